import {
  forbidden,
  requireAdmin,
  requireRole,
  requireViewer,
  type ResolverMap,
  type SubgraphContext,
} from '@novamart/kit';
import type { AddressRecord, Role, UserRecord } from './models/user';
import type { Session } from './services/authentication';
import type { UsersServices } from './services';
import type { RegisterInput } from './services/registration';
import type { AddressInput } from './services/validation';
import { defaultAddress } from './services/directory';

export interface UsersContext extends SubgraphContext {
  services: UsersServices;
  /** The caller's address for login throttling; null when unknown. */
  clientAddress: string | null;
}

/**
 * Users whose private fields (email, addresses) the current caller may read although the token
 * does not say so yet: the account just registered, verified or signed in by this very request.
 */
const issuedToCaller = new WeakSet<UserRecord>();

function toCaller(user: UserRecord): UserRecord {
  issuedToCaller.add(user);
  return user;
}

function toAuthPayload(session: Session) {
  return { ...session, user: toCaller(session.user) };
}

/** Email and addresses are personal data: the user's own, or SUPPORT's and an admin's to read. */
function privateField<T>(read: (user: UserRecord) => T) {
  return (user: UserRecord, _args: unknown, ctx: UsersContext): T => {
    const viewer = ctx.viewer;
    const allowed =
      issuedToCaller.has(user) ||
      viewer?.role === 'ADMIN' ||
      viewer?.role === 'SUPPORT' ||
      viewer?.id === user._id.toHexString();
    if (!allowed) throw forbidden('Only the user, SUPPORT and administrators may read this field');
    return read(user);
  };
}

function userLoader(ctx: UsersContext) {
  return ctx.loaders.get<string, UserRecord | null>('User', (ids) => ctx.services.directory.findByIds(ids));
}

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<UsersContext>;

export const resolvers: Resolvers = {
  Query: {
    me: (_root, _args, ctx: UsersContext) => (ctx.viewer ? userLoader(ctx).load(ctx.viewer.id) : null),
    users: (_root, args: { first: number; after?: string | null }, ctx: UsersContext) => {
      requireRole(ctx, 'SUPPORT');
      return ctx.services.directory.list(args);
    },
  },

  Mutation: {
    register: async (_root, { input }: { input: RegisterInput }, ctx: UsersContext) =>
      toCaller(await ctx.services.registration.register(input, ctx.clientAddress)),
    verifyEmail: async (_root, args: { email: string; code: string }, ctx: UsersContext) =>
      toCaller(await ctx.services.registration.verifyEmail(args.email, args.code, ctx.clientAddress)),
    requestEmailVerification: async (_root, args: { email: string }, ctx: UsersContext) => {
      await ctx.services.registration.requestEmailVerification(args.email, ctx.clientAddress);
      return true;
    },
    requestPasswordReset: async (_root, args: { email: string }, ctx: UsersContext) => {
      await ctx.services.passwordReset.request(args.email, ctx.clientAddress);
      return true;
    },
    resetPassword: async (_root, args: { token: string; newPassword: string }, ctx: UsersContext) => {
      await ctx.services.passwordReset.reset(args.token, args.newPassword);
      return true;
    },
    changePassword: async (
      _root,
      args: { currentPassword: string; newPassword: string },
      ctx: UsersContext,
    ) =>
      toAuthPayload(
        await ctx.services.passwordChange.change(
          requireViewer(ctx),
          args.currentPassword,
          args.newPassword,
          ctx.clientAddress,
        ),
      ),
    login: async (_root, args: { email: string; password: string }, ctx: UsersContext) =>
      toAuthPayload(await ctx.services.authentication.login(args.email, args.password, ctx.clientAddress)),
    refreshToken: async (_root, args: { refreshToken: string }, ctx: UsersContext) =>
      toAuthPayload(await ctx.services.authentication.refresh(args.refreshToken)),
    logout: (_root, args: { refreshToken: string }, ctx: UsersContext) =>
      ctx.services.authentication.logout(args.refreshToken),
    addAddress: (_root, { input }: { input: AddressInput }, ctx: UsersContext) =>
      ctx.services.directory.addAddress(requireViewer(ctx).id, input),
    updateAddress: (_root, args: { id: string; input: AddressInput }, ctx: UsersContext) =>
      ctx.services.directory.updateAddress(requireViewer(ctx).id, args.id, args.input),
    deleteAddress: (_root, args: { id: string }, ctx: UsersContext) =>
      ctx.services.directory.deleteAddress(requireViewer(ctx).id, args.id),
    setDefaultShippingAddress: (_root, args: { id: string }, ctx: UsersContext) =>
      ctx.services.directory.setDefaultAddress(requireViewer(ctx).id, args.id, 'SHIPPING'),
    setDefaultBillingAddress: (_root, args: { id: string }, ctx: UsersContext) =>
      ctx.services.directory.setDefaultAddress(requireViewer(ctx).id, args.id, 'BILLING'),
    setPhone: (_root, args: { phone?: string | null }, ctx: UsersContext) =>
      ctx.services.accountData.setPhone(requireViewer(ctx).id, args.phone),
    addToWishlist: (_root, args: { productId: string }, ctx: UsersContext) =>
      ctx.services.accountData.addToWishlist(requireViewer(ctx).id, args.productId),
    removeFromWishlist: (_root, args: { productId: string }, ctx: UsersContext) =>
      ctx.services.accountData.removeFromWishlist(requireViewer(ctx).id, args.productId),
    setUserRole: (_root, args: { userId: string; role: Role }, ctx: UsersContext) => {
      const admin = requireAdmin(ctx);
      return ctx.services.directory.setRole(args.userId, args.role, admin.id);
    },
  },

  User: {
    // Entities are asked for by the gateway with the viewer's token: nobody anonymous (e.g. someone
    // who reaches this port directly) gets an account, and its fields follow the rules below.
    __resolveReference: (reference: { id: string }, ctx: UsersContext) => {
      requireViewer(ctx);
      return userLoader(ctx).load(reference.id);
    },
    id: (user: UserRecord) => user._id.toHexString(),
    email: privateField((user) => user.email),
    name: privateField((user) => user.name),
    role: privateField((user) => user.role),
    createdAt: privateField((user) => user.createdAt),
    emailVerified: (user: UserRecord) => user.emailVerifiedAt != null,
    addresses: privateField((user) => user.addresses),
    phone: privateField((user) => user.phone ?? null),
    wishlist: privateField((user) =>
      (user.wishlist ?? []).map((item) => ({
        productId: item.productId,
        product: { id: item.productId },
        addedAt: item.addedAt,
      })),
    ),
    defaultShippingAddress: privateField((user) => defaultAddress(user, 'SHIPPING')),
    defaultBillingAddress: privateField((user) => defaultAddress(user, 'BILLING')),
  },

  Address: {
    id: (address: Partial<AddressRecord>) => address._id?.toHexString() ?? null,
  },
};
