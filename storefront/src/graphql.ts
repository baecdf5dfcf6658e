import { gql, type TypedDocumentNode } from '@apollo/client';
import type {
  HomeQuery,
  HomeQueryVariables,
  CatalogQuery,
  CatalogQueryVariables,
  ProductPageQuery,
  ProductPageQueryVariables,
  ProductReviewsQuery,
  ProductReviewsQueryVariables,
  AddReviewMutation,
  AddReviewMutationVariables,
  CartPageQuery,
  CartPageQueryVariables,
  AddToCartMutation,
  AddToCartMutationVariables,
  UpdateCartItemMutation,
  UpdateCartItemMutationVariables,
  RemoveFromCartMutation,
  RemoveFromCartMutationVariables,
  ApplyDiscountCodeMutation,
  ApplyDiscountCodeMutationVariables,
  RemoveDiscountCodeMutation,
  RemoveDiscountCodeMutationVariables,
  MergeCartMutation,
  MergeCartMutationVariables,
  ShippingOptionsQuery,
  ShippingCountriesQuery,
  ShippingCountriesQueryVariables,
  ShippingOptionsQueryVariables,
  CheckoutQuoteQuery,
  CheckoutQuoteQueryVariables,
  CheckoutMutation,
  CheckoutMutationVariables,
  OrderPageQuery,
  OrderPageQueryVariables,
  OrderStatusChangedSubscription,
  OrderStatusChangedSubscriptionVariables,
  PaymentSettingsQuery,
  PaymentSettingsQueryVariables,
  CreatePaymentIntentMutation,
  CreatePaymentIntentMutationVariables,
  ConfirmPaymentMutation,
  ConfirmPaymentMutationVariables,
  CancelOrderMutation,
  CancelOrderMutationVariables,
  MyOrdersQuery,
  MyOrdersQueryVariables,
  MyNotificationsQuery,
  MyNotificationsQueryVariables,
  MarkReadMutation,
  MarkReadMutationVariables,
  WishlistQuery,
  WishlistQueryVariables,
  AddToWishlistMutation,
  AddToWishlistMutationVariables,
  RemoveFromWishlistMutation,
  RemoveFromWishlistMutationVariables,
  AccountQuery,
  AccountQueryVariables,
  SavedAddressesQuery,
  SavedAddressesQueryVariables,
  AddAddressMutation,
  AddAddressMutationVariables,
  UpdateAddressMutation,
  UpdateAddressMutationVariables,
  DeleteAddressMutation,
  DeleteAddressMutationVariables,
  SetDefaultShippingAddressMutation,
  SetDefaultShippingAddressMutationVariables,
  SetDefaultBillingAddressMutation,
  SetDefaultBillingAddressMutationVariables,
  SetPhoneMutation,
  SetPhoneMutationVariables,
  LoginMutation,
  LoginMutationVariables,
  RegisterMutation,
  RegisterMutationVariables,
  VerifyEmailMutation,
  VerifyEmailMutationVariables,
  RequestEmailVerificationMutation,
  RequestEmailVerificationMutationVariables,
  RequestPasswordResetMutation,
  RequestPasswordResetMutationVariables,
  ResetPasswordMutation,
  ResetPasswordMutationVariables,
  ChangePasswordMutation,
  ChangePasswordMutationVariables,
  LogoutMutation,
  LogoutMutationVariables,
  DevOutboxQuery,
  DevOutboxQueryVariables,
  AdminProductsQuery,
  AdminProductsQueryVariables,
  AdminInventoryItemsQuery,
  AdminInventoryItemsQueryVariables,
  AdminProductQuery,
  AdminProductQueryVariables,
  CreateProductMutation,
  CreateProductMutationVariables,
  UpdateProductMutation,
  UpdateProductMutationVariables,
  ArchiveProductMutation,
  ArchiveProductMutationVariables,
  AdjustStockMutation,
  AdjustStockMutationVariables,
  AdminOrdersQuery,
  AdminOrdersQueryVariables,
  MarkShippedMutation,
  MarkShippedMutationVariables,
  AdminCancelOrderMutation,
  AdminCancelOrderMutationVariables,
  PendingRefundsQuery,
  PendingRefundsQueryVariables,
  ApproveRefundMutation,
  ApproveRefundMutationVariables,
  RejectRefundMutation,
  RejectRefundMutationVariables,
  OrderReturnsQuery,
  OrderReturnsQueryVariables,
  RequestReturnMutation,
  RequestReturnMutationVariables,
  ApproveReturnMutation,
  ApproveReturnMutationVariables,
  RejectReturnMutation,
  RejectReturnMutationVariables,
  ReceiveReturnMutation,
  ReceiveReturnMutationVariables,
  AdminOrderReturnsQuery,
  AdminOrderReturnsQueryVariables,
  ReturnQueueQuery,
  ReturnQueueQueryVariables,
  HideReviewMutation,
  HideReviewMutationVariables,
  ModerationReviewsQuery,
  ModerationReviewsQueryVariables,
  UnhideReviewMutation,
  UnhideReviewMutationVariables,
  AdminPromotionsQuery,
  AdminPromotionsQueryVariables,
  AdminPromotionQuery,
  AdminPromotionQueryVariables,
  CreatePromotionMutation,
  CreatePromotionMutationVariables,
  UpdatePromotionMutation,
  UpdatePromotionMutationVariables,
  SetPromotionActiveMutation,
  SetPromotionActiveMutationVariables,
  AddDiscountCodeMutation,
  AddDiscountCodeMutationVariables,
  DeleteDiscountCodeMutation,
  DeleteDiscountCodeMutationVariables,
  AdminShippingQuery,
  AdminShippingQueryVariables,
  AdminShippingBandsQuery,
  AdminShippingBandsQueryVariables,
  SaveShippingZoneMutation,
  SaveShippingZoneMutationVariables,
  SaveShippingMethodMutation,
  SaveShippingMethodMutationVariables,
  DeleteShippingMethodMutation,
  DeleteShippingMethodMutationVariables,
  DeleteShippingZoneMutation,
  DeleteShippingZoneMutationVariables,
  SaveTaxRateMutation,
  SaveTaxRateMutationVariables,
  DeleteTaxRateMutation,
  DeleteTaxRateMutationVariables,
  SetTaxSettingMutation,
  SetTaxSettingMutationVariables,
} from './graphql-types';

// Money is always selected whole: the cache replaces it as a value (see apollo.ts).
export const MONEY = gql`
  fragment MoneyFields on Money {
    amount
    currency
    formatted
  }
`;

export const PRODUCT_CARD = gql`
  fragment ProductCard on Product {
    id
    slug
    name
    price {
      ...MoneyFields
    }
    images {
      url
      alt
    }
    inventory {
      inStock
      available
    }
  }
  ${MONEY}
`;

// How a line names its variant: "Red / M"; no selected options for a product without options.
const VARIANT_LABEL = gql`
  fragment VariantLabel on ProductVariant {
    id
    title
    selectedOptions {
      name
      value
    }
  }
`;

export const CART_FIELDS = gql`
  fragment CartFields on Cart {
    id
    itemCount
    expiresAt
    subtotal {
      ...MoneyFields
    }
    items {
      quantity
      variantId
      unitPrice {
        ...MoneyFields
      }
      lineTotal {
        ...MoneyFields
      }
      product {
        id
        slug
        name
        inventory {
          available
        }
      }
      variant {
        ...VariantLabel
      }
    }
    discountCodes
    discounts {
      promotionId
      code
      description
      freeShipping
      amount {
        ...MoneyFields
      }
    }
    discountTotal {
      ...MoneyFields
    }
    discountedSubtotal {
      ...MoneyFields
    }
    removedItems {
      name
      quantity
      reason
      product {
        id
      }
      variant {
        ...VariantLabel
      }
    }
  }
  ${MONEY}
  ${VARIANT_LABEL}
`;

export const ORDER_FIELDS = gql`
  fragment OrderFields on Order {
    id
    status
    email
    createdAt
    updatedAt
    carrier
    trackingNumber
    subtotal {
      ...MoneyFields
    }
    shippingCost {
      ...MoneyFields
    }
    shippingMethod {
      code
      name
      carrier
    }
    discounts {
      promotionId
      code
      description
      amount {
        ...MoneyFields
      }
      shippingAmount {
        ...MoneyFields
      }
    }
    discountTotal {
      ...MoneyFields
    }
    shippingDiscount {
      ...MoneyFields
    }
    taxLines {
      name
      rate
      amount {
        ...MoneyFields
      }
    }
    taxTotal {
      ...MoneyFields
    }
    pricesIncludeTax
    total {
      ...MoneyFields
    }
    amountRefunded {
      ...MoneyFields
    }
    items {
      sku
      name
      quantity
      variantId
      variantTitle
      selectedOptions {
        name
        value
      }
      unitPrice {
        ...MoneyFields
      }
      lineTotal {
        ...MoneyFields
      }
      product {
        id
        slug
      }
    }
    shippingAddress {
      name
      line1
      line2
      city
      region
      postalCode
      country
    }
    statusHistory {
      status
      reason
      at
    }
    payment {
      id
      status
      failureReason
      declineCode
      provider
    }
  }
  ${MONEY}
`;

export const HOME: TypedDocumentNode<HomeQuery, HomeQueryVariables> = gql`
  query Home {
    recommendations(first: 8) {
      reason
      product {
        ...ProductCard
      }
    }
    categories {
      id
      slug
      name
    }
  }
  ${PRODUCT_CARD}
`;

export const CATALOG: TypedDocumentNode<CatalogQuery, CatalogQueryVariables> = gql`
  query Catalog($first: Int!, $after: String, $filter: ProductFilter, $sort: ProductSort) {
    products(first: $first, after: $after, filter: $filter, sort: $sort) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ProductCard
        }
      }
    }
    categories {
      id
      slug
      name
    }
  }
  ${PRODUCT_CARD}
`;

export const PRODUCT: TypedDocumentNode<ProductPageQuery, ProductPageQueryVariables> = gql`
  query ProductPage($slug: String!) {
    product(slug: $slug) {
      ...ProductCard
      sku
      description
      active
      category {
        slug
        name
      }
      inventory {
        available
        inStock
        lowStock
      }
      options {
        name
        values
      }
      variants {
        id
        sku
        title
        isDefault
        selectedOptions {
          name
          value
        }
        price {
          ...MoneyFields
        }
        inventory {
          available
          inStock
          lowStock
        }
      }
      frequentlyBoughtTogether(first: 4) {
        reason
        product {
          ...ProductCard
        }
      }
    }
  }
  ${PRODUCT_CARD}
`;

/**
 * The product page's rating and reviews, a query of its own: "More reviews" pages them with
 * `after` without reading the product again, and a new review refetches only this.
 */
export const PRODUCT_REVIEWS: TypedDocumentNode<ProductReviewsQuery, ProductReviewsQueryVariables> = gql`
  query ProductReviews($id: ID!, $first: Int!, $after: String) {
    product(id: $id) {
      id
      rating {
        average
        count
      }
      reviews(first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            id
            rating
            text
            authorName
            createdAt
          }
        }
      }
      myReview {
        id
        rating
        text
        authorName
        hidden
        createdAt
      }
    }
  }
`;

export const ADD_REVIEW: TypedDocumentNode<AddReviewMutation, AddReviewMutationVariables> = gql`
  mutation AddReview($input: ReviewInput!) {
    addReview(input: $input) {
      id
      rating
      text
      authorName
      hidden
      createdAt
    }
  }
`;

export const CART: TypedDocumentNode<CartPageQuery, CartPageQueryVariables> = gql`
  query CartPage($id: ID) {
    cart(id: $id) {
      ...CartFields
    }
  }
  ${CART_FIELDS}
`;

export const ADD_TO_CART: TypedDocumentNode<AddToCartMutation, AddToCartMutationVariables> = gql`
  mutation AddToCart($cartId: ID, $productId: ID!, $variantId: ID, $quantity: Int!) {
    addToCart(cartId: $cartId, productId: $productId, variantId: $variantId, quantity: $quantity) {
      ...CartFields
    }
  }
  ${CART_FIELDS}
`;

export const UPDATE_CART_ITEM: TypedDocumentNode<UpdateCartItemMutation, UpdateCartItemMutationVariables> =
  gql`
    mutation UpdateCartItem($cartId: ID, $productId: ID!, $variantId: ID, $quantity: Int!) {
      updateCartItem(cartId: $cartId, productId: $productId, variantId: $variantId, quantity: $quantity) {
        ...CartFields
      }
    }
    ${CART_FIELDS}
  `;

export const REMOVE_FROM_CART: TypedDocumentNode<RemoveFromCartMutation, RemoveFromCartMutationVariables> =
  gql`
    mutation RemoveFromCart($cartId: ID, $productId: ID!, $variantId: ID) {
      removeFromCart(cartId: $cartId, productId: $productId, variantId: $variantId) {
        ...CartFields
      }
    }
    ${CART_FIELDS}
  `;

export const APPLY_DISCOUNT_CODE: TypedDocumentNode<
  ApplyDiscountCodeMutation,
  ApplyDiscountCodeMutationVariables
> = gql`
  mutation ApplyDiscountCode($cartId: ID, $code: String!) {
    applyDiscountCode(cartId: $cartId, code: $code) {
      ...CartFields
    }
  }
  ${CART_FIELDS}
`;

export const REMOVE_DISCOUNT_CODE: TypedDocumentNode<
  RemoveDiscountCodeMutation,
  RemoveDiscountCodeMutationVariables
> = gql`
  mutation RemoveDiscountCode($cartId: ID, $code: String!) {
    removeDiscountCode(cartId: $cartId, code: $code) {
      ...CartFields
    }
  }
  ${CART_FIELDS}
`;

export const MERGE_CART: TypedDocumentNode<MergeCartMutation, MergeCartMutationVariables> = gql`
  mutation MergeCart($guestCartId: ID!) {
    mergeCart(guestCartId: $guestCartId) {
      ...CartFields
    }
  }
  ${CART_FIELDS}
`;

/** The shipping methods that can ship the cart to an address, each priced (shipping subgraph). */
export const SHIPPING_OPTIONS: TypedDocumentNode<ShippingOptionsQuery, ShippingOptionsQueryVariables> = gql`
  query ShippingOptions($id: ID, $address: AddressInput!) {
    cart(id: $id) {
      id
      shippingOptions(address: $address) {
        code
        name
        carrier
        type
        price {
          ...MoneyFields
        }
      }
    }
  }
  ${MONEY}
`;

/** The countries the shop ships to (zones with an active method), by name: checkout's country list. */
export const SHIPPING_COUNTRIES: TypedDocumentNode<ShippingCountriesQuery, ShippingCountriesQueryVariables> =
  gql`
    query ShippingCountries {
      shippingCountries {
        code
        name
      }
    }
  `;

/** What checkout will charge for the cart shipped to the address with the method, as the API quotes it. */
export const CHECKOUT_QUOTE: TypedDocumentNode<CheckoutQuoteQuery, CheckoutQuoteQueryVariables> = gql`
  query CheckoutQuote($id: ID, $address: AddressInput!, $method: String) {
    cart(id: $id) {
      id
      shippingCost(address: $address, shippingMethodCode: $method) {
        ...MoneyFields
      }
      shippingDiscount(address: $address, shippingMethodCode: $method) {
        ...MoneyFields
      }
      taxLines(address: $address, shippingMethodCode: $method) {
        name
        rate
        amount {
          ...MoneyFields
        }
      }
      taxTotal(address: $address, shippingMethodCode: $method) {
        ...MoneyFields
      }
      pricesIncludeTax(address: $address, shippingMethodCode: $method)
      total(address: $address, shippingMethodCode: $method) {
        ...MoneyFields
      }
    }
  }
  ${MONEY}
`;

export const CHECKOUT: TypedDocumentNode<CheckoutMutation, CheckoutMutationVariables> = gql`
  mutation Checkout($input: CheckoutInput!) {
    checkout(input: $input) {
      ...OrderFields
    }
  }
  ${ORDER_FIELDS}
`;

export const ORDER: TypedDocumentNode<OrderPageQuery, OrderPageQueryVariables> = gql`
  query OrderPage($id: ID!) {
    order(id: $id) {
      ...OrderFields
    }
  }
  ${ORDER_FIELDS}
`;

export const ORDER_STATUS_CHANGED: TypedDocumentNode<
  OrderStatusChangedSubscription,
  OrderStatusChangedSubscriptionVariables
> = gql`
  subscription OrderStatusChanged($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      status
      previousStatus
      reason
      at
      order {
        ...OrderFields
      }
    }
  }
  ${ORDER_FIELDS}
`;

export const PAYMENT_SETTINGS: TypedDocumentNode<PaymentSettingsQuery, PaymentSettingsQueryVariables> = gql`
  query PaymentSettings {
    paymentSettings {
      provider
      stripePublishableKey
    }
  }
`;

export const CREATE_PAYMENT_INTENT: TypedDocumentNode<
  CreatePaymentIntentMutation,
  CreatePaymentIntentMutationVariables
> = gql`
  mutation CreatePaymentIntent($orderId: ID!) {
    createPaymentIntent(orderId: $orderId) {
      id
      clientSecret
      status
      failureReason
      declineCode
      amount {
        ...MoneyFields
      }
    }
  }
  ${MONEY}
`;

export const CONFIRM_PAYMENT: TypedDocumentNode<ConfirmPaymentMutation, ConfirmPaymentMutationVariables> =
  gql`
    mutation ConfirmPayment($paymentId: ID!, $paymentMethodId: String!) {
      confirmPayment(paymentId: $paymentId, paymentMethodId: $paymentMethodId) {
        id
        status
        failureReason
        declineCode
      }
    }
  `;

export const CANCEL_ORDER: TypedDocumentNode<CancelOrderMutation, CancelOrderMutationVariables> = gql`
  mutation CancelOrder($id: ID!, $reason: String) {
    cancelOrder(id: $id, reason: $reason) {
      ...OrderFields
    }
  }
  ${ORDER_FIELDS}
`;

export const MY_ORDERS: TypedDocumentNode<MyOrdersQuery, MyOrdersQueryVariables> = gql`
  query MyOrders($after: String) {
    me {
      id
      orders(first: 20, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            status
            createdAt
            total {
              ...MoneyFields
            }
            items {
              name
              quantity
            }
          }
        }
      }
    }
  }
  ${MONEY}
`;

export const MY_NOTIFICATIONS: TypedDocumentNode<MyNotificationsQuery, MyNotificationsQueryVariables> = gql`
  query MyNotifications {
    myNotifications(first: 30) {
      edges {
        node {
          id
          type
          subject
          body
          createdAt
          readAt
        }
      }
    }
  }
`;

export const MARK_READ: TypedDocumentNode<MarkReadMutation, MarkReadMutationVariables> = gql`
  mutation MarkRead($id: ID!) {
    markNotificationRead(id: $id) {
      id
      readAt
    }
  }
`;

// The wishlist page and the product page's toggle both read this, and both mutations answer it:
// the cache's User (by id) then holds one list, so each page shows what the other changed.
// `product` is null for a saved product the catalog no longer resolves; `productId` still names it.
const WISHLIST_FIELDS = gql`
  fragment WishlistFields on User {
    id
    wishlist {
      productId
      addedAt
      product {
        ...ProductCard
      }
    }
  }
  ${PRODUCT_CARD}
`;

export const WISHLIST: TypedDocumentNode<WishlistQuery, WishlistQueryVariables> = gql`
  query Wishlist {
    me {
      ...WishlistFields
    }
  }
  ${WISHLIST_FIELDS}
`;

export const ADD_TO_WISHLIST: TypedDocumentNode<AddToWishlistMutation, AddToWishlistMutationVariables> = gql`
  mutation AddToWishlist($productId: ID!) {
    addToWishlist(productId: $productId) {
      ...WishlistFields
    }
  }
  ${WISHLIST_FIELDS}
`;

export const REMOVE_FROM_WISHLIST: TypedDocumentNode<
  RemoveFromWishlistMutation,
  RemoveFromWishlistMutationVariables
> = gql`
  mutation RemoveFromWishlist($productId: ID!) {
    removeFromWishlist(productId: $productId) {
      ...WishlistFields
    }
  }
  ${WISHLIST_FIELDS}
`;

// The account page's address book and checkout's saved addresses read these fields; the default
// mutations answer them, so the cache's User (by id) shows a new default without a refetch.
const ADDRESS_BOOK_FIELDS = gql`
  fragment AddressBookFields on User {
    id
    addresses {
      id
      name
      line1
      line2
      city
      region
      postalCode
      country
      phone
    }
    defaultShippingAddress {
      id
    }
    defaultBillingAddress {
      id
    }
  }
`;

export const ACCOUNT: TypedDocumentNode<AccountQuery, AccountQueryVariables> = gql`
  query Account {
    me {
      id
      name
      email
      emailVerified
      phone
      ...AddressBookFields
    }
  }
  ${ADDRESS_BOOK_FIELDS}
`;

export const SAVED_ADDRESSES: TypedDocumentNode<SavedAddressesQuery, SavedAddressesQueryVariables> = gql`
  query SavedAddresses {
    me {
      ...AddressBookFields
    }
  }
  ${ADDRESS_BOOK_FIELDS}
`;

export const ADD_ADDRESS: TypedDocumentNode<AddAddressMutation, AddAddressMutationVariables> = gql`
  mutation AddAddress($input: AddressInput!) {
    addAddress(input: $input) {
      id
    }
  }
`;

export const UPDATE_ADDRESS: TypedDocumentNode<UpdateAddressMutation, UpdateAddressMutationVariables> = gql`
  mutation UpdateAddress($id: ID!, $input: AddressInput!) {
    updateAddress(id: $id, input: $input) {
      id
    }
  }
`;

export const DELETE_ADDRESS: TypedDocumentNode<DeleteAddressMutation, DeleteAddressMutationVariables> = gql`
  mutation DeleteAddress($id: ID!) {
    deleteAddress(id: $id)
  }
`;

export const SET_DEFAULT_SHIPPING_ADDRESS: TypedDocumentNode<
  SetDefaultShippingAddressMutation,
  SetDefaultShippingAddressMutationVariables
> = gql`
  mutation SetDefaultShippingAddress($id: ID!) {
    setDefaultShippingAddress(id: $id) {
      ...AddressBookFields
    }
  }
  ${ADDRESS_BOOK_FIELDS}
`;

export const SET_DEFAULT_BILLING_ADDRESS: TypedDocumentNode<
  SetDefaultBillingAddressMutation,
  SetDefaultBillingAddressMutationVariables
> = gql`
  mutation SetDefaultBillingAddress($id: ID!) {
    setDefaultBillingAddress(id: $id) {
      ...AddressBookFields
    }
  }
  ${ADDRESS_BOOK_FIELDS}
`;

export const SET_PHONE: TypedDocumentNode<SetPhoneMutation, SetPhoneMutationVariables> = gql`
  mutation SetPhone($phone: String) {
    setPhone(phone: $phone) {
      id
      phone
    }
  }
`;

const AUTH_FIELDS = `accessToken refreshToken expiresIn user { id email name role }`;

export const LOGIN: TypedDocumentNode<LoginMutation, LoginMutationVariables> = gql`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { ${AUTH_FIELDS} }
  }
`;

export const REGISTER: TypedDocumentNode<RegisterMutation, RegisterMutationVariables> = gql`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      id
      email
      emailVerified
    }
  }
`;

export const VERIFY_EMAIL: TypedDocumentNode<VerifyEmailMutation, VerifyEmailMutationVariables> = gql`
  mutation VerifyEmail($email: String!, $code: String!) {
    verifyEmail(email: $email, code: $code) {
      id
      email
      emailVerified
    }
  }
`;

export const REQUEST_EMAIL_VERIFICATION: TypedDocumentNode<
  RequestEmailVerificationMutation,
  RequestEmailVerificationMutationVariables
> = gql`
  mutation RequestEmailVerification($email: String!) {
    requestEmailVerification(email: $email)
  }
`;

export const REQUEST_PASSWORD_RESET: TypedDocumentNode<
  RequestPasswordResetMutation,
  RequestPasswordResetMutationVariables
> = gql`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`;

export const RESET_PASSWORD: TypedDocumentNode<ResetPasswordMutation, ResetPasswordMutationVariables> = gql`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword)
  }
`;

export const CHANGE_PASSWORD: TypedDocumentNode<ChangePasswordMutation, ChangePasswordMutationVariables> =
  gql`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { ${AUTH_FIELDS} }
  }
`;

export const LOGOUT: TypedDocumentNode<LogoutMutation, LogoutMutationVariables> = gql`
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`;

export const DEV_OUTBOX: TypedDocumentNode<DevOutboxQuery, DevOutboxQueryVariables> = gql`
  query DevOutbox($recipient: String!) {
    devOutbox(recipient: $recipient, first: 5) {
      to
      subject
      text
      storedAt
    }
  }
`;

// Back office

// What the back office's product list and product form both show.
const ADMIN_PRODUCT_FIELDS = gql`
  fragment AdminProductFields on Product {
    id
    sku
    slug
    name
    active
    price {
      ...MoneyFields
    }
    category {
      slug
    }
    inventory {
      available
      reserved
      onHand
      lowStock
      reorderLevel
    }
  }
  ${MONEY}
`;

export const ADMIN_PRODUCTS: TypedDocumentNode<AdminProductsQuery, AdminProductsQueryVariables> = gql`
  query AdminProducts($first: Int!, $after: String, $filter: ProductFilter) {
    products(first: $first, after: $after, filter: $filter, sort: NEWEST) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...AdminProductFields
        }
      }
    }
  }
  ${ADMIN_PRODUCT_FIELDS}
`;

/** The stock back office's list (inventory, ADMIN): one MongoDB command a page. */
/** The back office's moderation list: every review (hidden ones too) with its product's name. */
export const MODERATION_REVIEWS: TypedDocumentNode<ModerationReviewsQuery, ModerationReviewsQueryVariables> =
  gql`
    query ModerationReviews($filter: ReviewModerationFilter, $first: Int!, $after: String) {
      moderationReviews(filter: $filter, first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            rating
            text
            authorName
            hidden
            createdAt
            product {
              id
              name
              slug
            }
            auditTrail {
              at
              action
              actor {
                role
              }
            }
          }
        }
      }
    }
  `;

export const HIDE_REVIEW: TypedDocumentNode<HideReviewMutation, HideReviewMutationVariables> = gql`
  mutation HideReview($id: ID!) {
    hideReview(id: $id) {
      id
      hidden
    }
  }
`;

export const UNHIDE_REVIEW: TypedDocumentNode<UnhideReviewMutation, UnhideReviewMutationVariables> = gql`
  mutation UnhideReview($id: ID!) {
    unhideReview(id: $id) {
      id
      hidden
    }
  }
`;

export const ADMIN_INVENTORY_ITEMS: TypedDocumentNode<
  AdminInventoryItemsQuery,
  AdminInventoryItemsQueryVariables
> = gql`
  query AdminInventoryItems($first: Int!, $after: String, $filter: InventoryItemFilter) {
    inventoryItems(first: $first, after: $after, filter: $filter) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          sku
          name
          product {
            id
            name
            active
          }
          inventory {
            available
            reserved
            reorderLevel
            reorderQuantity
          }
        }
      }
    }
  }
`;

export const ADMIN_PRODUCT: TypedDocumentNode<AdminProductQuery, AdminProductQueryVariables> = gql`
  query AdminProduct($id: ID!) {
    product(id: $id) {
      ...AdminProductFields
      description
    }
  }
  ${ADMIN_PRODUCT_FIELDS}
`;

export const CREATE_PRODUCT: TypedDocumentNode<CreateProductMutation, CreateProductMutationVariables> = gql`
  mutation CreateProduct($input: ProductInput!) {
    createProduct(input: $input) {
      id
      slug
      name
    }
  }
`;

export const UPDATE_PRODUCT: TypedDocumentNode<UpdateProductMutation, UpdateProductMutationVariables> = gql`
  mutation UpdateProduct($id: ID!, $input: ProductUpdateInput!) {
    updateProduct(id: $id, input: $input) {
      id
      name
      description
      active
      price {
        ...MoneyFields
      }
      category {
        slug
      }
    }
  }
  ${MONEY}
`;

export const ARCHIVE_PRODUCT: TypedDocumentNode<ArchiveProductMutation, ArchiveProductMutationVariables> =
  gql`
    mutation ArchiveProduct($id: ID!) {
      archiveProduct(id: $id) {
        id
        active
      }
    }
  `;

export const ADJUST_STOCK: TypedDocumentNode<AdjustStockMutation, AdjustStockMutationVariables> = gql`
  mutation AdjustStock($productId: ID!, $delta: Int!, $reason: StockMovementReason!, $reference: String) {
    adjustStock(productId: $productId, delta: $delta, reason: $reason, reference: $reference) {
      available
      reserved
      onHand
      lowStock
      reorderLevel
    }
  }
`;

// Returns: the customer's (pages/OrderReturns.tsx) and the back office's (admin/OrderReturns.tsx).
// A return's answer carries its order's returns, so the cached order shows a new one at once.
const RETURN_FIELDS = gql`
  fragment ReturnFields on Return {
    id
    status
    reason
    decisionReason
    restocked
    requestedAt
    decidedAt
    receivedAt
    amount {
      ...MoneyFields
    }
    lines {
      sku
      variantId
      quantity
      restocked
      restockedQuantity
      amount {
        ...MoneyFields
      }
    }
  }
  ${MONEY}
`;

// What the return form needs beyond OrderFields: delivered units (by shipment) and the returns.
const ORDER_RETURNS_FIELDS = gql`
  fragment OrderReturnsFields on Order {
    id
    status
    amountRefunded {
      ...MoneyFields
    }
    shipments {
      id
      status
      lines {
        variantId
        quantity
      }
    }
    returns {
      ...ReturnFields
    }
  }
  ${RETURN_FIELDS}
`;

export const ORDER_RETURNS: TypedDocumentNode<OrderReturnsQuery, OrderReturnsQueryVariables> = gql`
  query OrderReturns($id: ID!) {
    order(id: $id) {
      ...OrderReturnsFields
    }
  }
  ${ORDER_RETURNS_FIELDS}
`;

export const REQUEST_RETURN: TypedDocumentNode<RequestReturnMutation, RequestReturnMutationVariables> = gql`
  mutation RequestReturn($input: RequestReturnInput!) {
    requestReturn(input: $input) {
      ...ReturnFields
      order {
        ...OrderReturnsFields
      }
    }
  }
  ${ORDER_RETURNS_FIELDS}
`;

// One order's returns, when the back office opens them: ADMIN_ORDERS selects only each return's
// status, since every return's lines on a page of 20 orders costs more than MAX_QUERY_COST.
export const ADMIN_ORDER_RETURNS: TypedDocumentNode<AdminOrderReturnsQuery, AdminOrderReturnsQueryVariables> =
  gql`
    query AdminOrderReturns($id: ID!) {
      order(id: $id) {
        id
        amountRefunded {
          ...MoneyFields
        }
        returns {
          ...ReturnFields
        }
      }
    }
    ${RETURN_FIELDS}
  `;

// The back office's returns queue (admin/Returns.tsx): one status, oldest request first, each
// return with the order it belongs to (the API answers them from one aggregation per page).
export const RETURN_QUEUE: TypedDocumentNode<ReturnQueueQuery, ReturnQueueQueryVariables> = gql`
  query ReturnQueue($filter: ReturnFilter, $after: String) {
    returns(filter: $filter, first: 20, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ReturnFields
          order {
            id
            email
            total {
              ...MoneyFields
            }
          }
        }
      }
    }
  }
  ${RETURN_FIELDS}
`;

export const APPROVE_RETURN: TypedDocumentNode<ApproveReturnMutation, ApproveReturnMutationVariables> = gql`
  mutation ApproveReturn($returnId: ID!, $reason: String) {
    approveReturn(returnId: $returnId, reason: $reason) {
      ...ReturnFields
    }
  }
  ${RETURN_FIELDS}
`;

export const REJECT_RETURN: TypedDocumentNode<RejectReturnMutation, RejectReturnMutationVariables> = gql`
  mutation RejectReturn($returnId: ID!, $reason: String!) {
    rejectReturn(returnId: $returnId, reason: $reason) {
      ...ReturnFields
    }
  }
  ${RETURN_FIELDS}
`;

// Receiving refunds the return: the answer carries the order's refunded total as well. `lines`
// names the lines received otherwise than `restock` (back in stock or written off, per line), and
// those of which only some units go back (`restockQuantity`).
export const RECEIVE_RETURN: TypedDocumentNode<ReceiveReturnMutation, ReceiveReturnMutationVariables> = gql`
  mutation ReceiveReturn($returnId: ID!, $restock: Boolean!, $lines: [ReceiveReturnLineInput!]) {
    receiveReturn(returnId: $returnId, restock: $restock, lines: $lines) {
      ...ReturnFields
      order {
        id
        amountRefunded {
          ...MoneyFields
        }
      }
    }
  }
  ${RETURN_FIELDS}
`;

export const ADMIN_ORDERS: TypedDocumentNode<AdminOrdersQuery, AdminOrdersQueryVariables> = gql`
  query AdminOrders($filter: OrderFilter, $after: String) {
    orders(filter: $filter, first: 20, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          status
          email
          createdAt
          carrier
          trackingNumber
          total {
            ...MoneyFields
          }
          returns {
            id
            status
          }
        }
      }
    }
  }
  ${MONEY}
`;

export const MARK_SHIPPED: TypedDocumentNode<MarkShippedMutation, MarkShippedMutationVariables> = gql`
  mutation MarkShipped($id: ID!, $carrier: String!, $trackingNumber: String!) {
    markOrderShipped(id: $id, carrier: $carrier, trackingNumber: $trackingNumber) {
      id
      status
      carrier
      trackingNumber
    }
  }
`;

export const ADMIN_CANCEL_ORDER: TypedDocumentNode<
  AdminCancelOrderMutation,
  AdminCancelOrderMutationVariables
> = gql`
  mutation AdminCancelOrder($id: ID!, $reason: String) {
    cancelOrder(id: $id, reason: $reason) {
      id
      status
    }
  }
`;

export const PENDING_REFUNDS: TypedDocumentNode<PendingRefundsQuery, PendingRefundsQueryVariables> = gql`
  query PendingRefunds {
    pendingRefundApprovals {
      id
      reason
      status
      createdAt
      amount {
        ...MoneyFields
      }
      requestedBy {
        id
        email
      }
      payment {
        id
        order {
          id
          email
        }
      }
    }
  }
  ${MONEY}
`;

export const APPROVE_REFUND: TypedDocumentNode<ApproveRefundMutation, ApproveRefundMutationVariables> = gql`
  mutation ApproveRefund($id: ID!) {
    approveRefund(refundId: $id) {
      id
      status
    }
  }
`;

export const REJECT_REFUND: TypedDocumentNode<RejectRefundMutation, RejectRefundMutationVariables> = gql`
  mutation RejectRefund($id: ID!, $reason: String) {
    rejectRefund(refundId: $id, reason: $reason) {
      id
      status
    }
  }
`;

// What the back office's promotion list and a promotion's page both show.
const ADMIN_PROMOTION_FIELDS = gql`
  fragment AdminPromotionFields on Promotion {
    id
    name
    description
    kind
    target
    productIds
    categorySlugs
    percentOff
    amountOff {
      ...MoneyFields
    }
    currency
    buyProductId
    buyQuantity
    getProductId
    getQuantity
    getPercentOff
    minSubtotal {
      ...MoneyFields
    }
    startsAt
    endsAt
    usageLimit
    perCustomerLimit
    timesRedeemed
    combinable
    automatic
    active
    codes {
      code
    }
    createdAt
  }
  ${MONEY}
`;

/** The back office's promotions (ADMIN): the newest `first`, as the API lists them. */
export const ADMIN_PROMOTIONS: TypedDocumentNode<AdminPromotionsQuery, AdminPromotionsQueryVariables> = gql`
  query AdminPromotions($first: Int!, $after: ID) {
    promotions(first: $first, after: $after) {
      ...AdminPromotionFields
    }
  }
  ${ADMIN_PROMOTION_FIELDS}
`;

export const ADMIN_PROMOTION: TypedDocumentNode<AdminPromotionQuery, AdminPromotionQueryVariables> = gql`
  query AdminPromotion($id: ID!) {
    promotion(id: $id) {
      ...AdminPromotionFields
    }
  }
  ${ADMIN_PROMOTION_FIELDS}
`;

export const CREATE_PROMOTION: TypedDocumentNode<CreatePromotionMutation, CreatePromotionMutationVariables> =
  gql`
    mutation CreatePromotion($input: PromotionInput!) {
      createPromotion(input: $input) {
        ...AdminPromotionFields
      }
    }
    ${ADMIN_PROMOTION_FIELDS}
  `;

export const UPDATE_PROMOTION: TypedDocumentNode<UpdatePromotionMutation, UpdatePromotionMutationVariables> =
  gql`
    mutation UpdatePromotion($id: ID!, $input: PromotionUpdateInput!) {
      updatePromotion(id: $id, input: $input) {
        ...AdminPromotionFields
      }
    }
    ${ADMIN_PROMOTION_FIELDS}
  `;

export const SET_PROMOTION_ACTIVE: TypedDocumentNode<
  SetPromotionActiveMutation,
  SetPromotionActiveMutationVariables
> = gql`
  mutation SetPromotionActive($id: ID!, $active: Boolean!) {
    setPromotionActive(id: $id, active: $active) {
      id
      active
    }
  }
`;

// The promotion is read back whole: its codes list is what the page shows.
export const DELETE_DISCOUNT_CODE: TypedDocumentNode<
  DeleteDiscountCodeMutation,
  DeleteDiscountCodeMutationVariables
> = gql`
  mutation DeleteDiscountCode($code: String!) {
    deleteDiscountCode(code: $code) {
      id
      codes {
        code
      }
    }
  }
`;

export const ADD_DISCOUNT_CODE: TypedDocumentNode<AddDiscountCodeMutation, AddDiscountCodeMutationVariables> =
  gql`
    mutation AddDiscountCode($promotionId: ID!, $code: String!) {
      addDiscountCode(promotionId: $promotionId, code: $code) {
        code
        promotion {
          id
          codes {
            code
          }
        }
      }
    }
  `;

// A zone is not normalized (it has no id): after a write, the back office reads every zone again.
// A method's weight bands are read by a query of their own (ADMIN_SHIPPING_BANDS): nothing in
// shippingZones is paged, so the gateway counts 10 of every list, and zones × methods × bands with
// their money in one query would cost more than MAX_QUERY_COST allows.
const ADMIN_SHIPPING_METHOD_FIELDS = gql`
  fragment AdminShippingMethodFields on ShippingMethod {
    id
    zoneCode
    code
    name
    carrier
    type
    currency
    pricing
    flatAmount {
      ...MoneyFields
    }
    freeOverThreshold {
      ...MoneyFields
    }
    active
  }
  ${MONEY}
`;

/** The back office's shipping and tax (ADMIN): every zone with its methods and rates, and the tax settings. */
export const ADMIN_SHIPPING: TypedDocumentNode<AdminShippingQuery, AdminShippingQueryVariables> = gql`
  query AdminShipping {
    shippingZones {
      code
      name
      countries {
        country
        regions
      }
      methods {
        ...AdminShippingMethodFields
      }
      taxRates {
        id
        zoneCode
        taxClass
        name
        rate
      }
    }
    taxSettings {
      currency
      pricesIncludeTax
    }
  }
  ${ADMIN_SHIPPING_METHOD_FIELDS}
`;

/**
 * Every method's weight bands, by method id. Each band's start is the previous band's end (the API
 * keeps them from 0 g up without gaps), and its price is selected without the method's currency:
 * so the query stays under MAX_QUERY_COST (Money is not normalized, so this partial selection
 * only lives here).
 */
export const ADMIN_SHIPPING_BANDS: TypedDocumentNode<
  AdminShippingBandsQuery,
  AdminShippingBandsQueryVariables
> = gql`
  query AdminShippingBands {
    shippingZones {
      methods {
        id
        weightBands {
          maxGrams
          price {
            amount
            formatted
          }
        }
      }
    }
  }
`;

export const SAVE_SHIPPING_ZONE: TypedDocumentNode<
  SaveShippingZoneMutation,
  SaveShippingZoneMutationVariables
> = gql`
  mutation SaveShippingZone($input: ShippingZoneInput!) {
    saveShippingZone(input: $input) {
      code
      name
    }
  }
`;

export const DELETE_SHIPPING_ZONE: TypedDocumentNode<
  DeleteShippingZoneMutation,
  DeleteShippingZoneMutationVariables
> = gql`
  mutation DeleteShippingZone($code: String!) {
    deleteShippingZone(code: $code)
  }
`;

export const SAVE_SHIPPING_METHOD: TypedDocumentNode<
  SaveShippingMethodMutation,
  SaveShippingMethodMutationVariables
> = gql`
  mutation SaveShippingMethod($input: ShippingMethodInput!) {
    saveShippingMethod(input: $input) {
      ...AdminShippingMethodFields
    }
  }
  ${ADMIN_SHIPPING_METHOD_FIELDS}
`;

export const DELETE_SHIPPING_METHOD: TypedDocumentNode<
  DeleteShippingMethodMutation,
  DeleteShippingMethodMutationVariables
> = gql`
  mutation DeleteShippingMethod($zoneCode: String!, $code: String!) {
    deleteShippingMethod(zoneCode: $zoneCode, code: $code)
  }
`;

export const SAVE_TAX_RATE: TypedDocumentNode<SaveTaxRateMutation, SaveTaxRateMutationVariables> = gql`
  mutation SaveTaxRate($input: TaxRateInput!) {
    saveTaxRate(input: $input) {
      id
      zoneCode
      taxClass
      name
      rate
    }
  }
`;

export const DELETE_TAX_RATE: TypedDocumentNode<DeleteTaxRateMutation, DeleteTaxRateMutationVariables> = gql`
  mutation DeleteTaxRate($zoneCode: String!, $taxClass: TaxClass!) {
    deleteTaxRate(zoneCode: $zoneCode, taxClass: $taxClass)
  }
`;

export const SET_TAX_SETTING: TypedDocumentNode<SetTaxSettingMutation, SetTaxSettingMutationVariables> = gql`
  mutation SetTaxSetting($currency: String!, $pricesIncludeTax: Boolean!) {
    setTaxSetting(currency: $currency, pricesIncludeTax: $pricesIncludeTax) {
      currency
      pricesIncludeTax
    }
  }
`;
