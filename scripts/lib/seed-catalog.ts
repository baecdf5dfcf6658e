/**
 * The demo catalog `npm run seed` loads: generated deterministically (a seeded PRNG, no network),
 * so every run produces the same products with the same SKUs, which is what makes seeding
 * idempotent: a SKU that exists is left alone.
 */

export interface SeedProduct {
  sku: string;
  name: string;
  description: string;
  priceAmount: number;
  currency: 'USD';
  categorySlug: string;
  images: { url: string; alt: string }[];
  initialStock: number;
}

interface CategorySpec {
  slug: string;
  prefix: string;
  /** Price range in cents. */
  price: [number, number];
  nouns: string[];
  adjectives: string[];
  features: string[];
  uses: string[];
}

const BRANDS = [
  'Northwind',
  'Alder & Pine',
  'Lumen',
  'Cobalt Co.',
  'Harbor',
  'Fieldcraft',
  'Meridian',
  'Oakline',
  'Nimbus',
  'Terra',
];

const CATEGORIES: CategorySpec[] = [
  {
    slug: 'electronics',
    prefix: 'ELEC',
    price: [1_499, 34_999],
    nouns: [
      'Wireless Earbuds',
      'Bluetooth Speaker',
      'USB-C Hub',
      'Mechanical Keyboard',
      'Wireless Mouse',
      'Power Bank',
      'Smart Plug',
      '1080p Webcam',
      'Noise-Cancelling Headphones',
      'Fitness Tracker',
      'E-Reader',
      'Action Camera',
    ],
    adjectives: ['Compact', 'Pro', 'Ultra-Slim', 'Rugged', 'Studio', 'Travel'],
    features: [
      'a 30-hour battery',
      'USB-C fast charging',
      'Bluetooth 5.3 with multipoint pairing',
      'an aluminium housing',
      'a water-resistant IPX5 shell',
      'low-latency wireless',
    ],
    uses: [
      'the daily commute',
      'home offices',
      'long-haul travel',
      'workouts',
      'video calls',
      'weekend trips',
    ],
  },
  {
    slug: 'home-and-kitchen',
    prefix: 'HOME',
    price: [899, 19_999],
    nouns: [
      "Chef's Knife",
      'Cast Iron Skillet',
      'French Press',
      'Walnut Cutting Board',
      'Mixing Bowl Set',
      'Enamel Dutch Oven',
      'Pour-Over Kettle',
      'Linen Tea Towels',
      'Spice Rack',
      'Ceramic Dinner Plates',
      'Stainless Saucepan',
      'Glass Storage Jars',
    ],
    adjectives: ['Classic', 'Heritage', 'Everyday', 'Artisan', 'Professional', 'Nordic'],
    features: [
      'hand-finished edges',
      'a stainless steel core',
      'dishwasher-safe materials',
      'an ergonomic handle',
      'food-safe oil finish',
      'even heat distribution',
    ],
    uses: [
      'weeknight dinners',
      'slow Sunday breakfasts',
      'entertaining friends',
      'meal prep',
      'small kitchens',
      'holiday baking',
    ],
  },
  {
    slug: 'books',
    prefix: 'BOOK',
    price: [799, 4_999],
    nouns: [
      'Field Guide to Birds',
      'Sourdough Cookbook',
      'History of Maps',
      'Poetry Collection',
      'Mystery Novel',
      'Guide to Houseplants',
      'Atlas of Islands',
      'Science Fiction Anthology',
      'Memoir of the Sea',
      'Handbook of Knots',
      'Book of Stargazing',
      'Graphic Novel',
    ],
    adjectives: ['Illustrated', 'Pocket', 'Collector’s', 'Hardcover', 'Paperback', 'Annotated'],
    features: [
      'full-colour illustrations',
      'a lay-flat binding',
      'an index and glossary',
      'maps on every spread',
      'a foreword by the author',
      'acid-free paper',
    ],
    uses: ['curious readers', 'gift giving', 'rainy afternoons', 'book clubs', 'students', 'bedtime reading'],
  },
  {
    slug: 'clothing',
    prefix: 'CLTH',
    price: [1_299, 18_999],
    nouns: [
      'Organic Cotton T-Shirt',
      'Merino Hoodie',
      'Rain Jacket',
      'Stretch Chinos',
      'Wool Socks',
      'Denim Jacket',
      'Cable Knit Beanie',
      'Flannel Shirt',
      'Puffer Vest',
      'Linen Shorts',
      'Fleece Pullover',
      'Canvas Belt',
    ],
    adjectives: ['Relaxed', 'Slim-Fit', 'Heavyweight', 'Lightweight', 'Vintage-Wash', 'Recycled'],
    features: [
      'breathable merino wool',
      'reinforced seams',
      'a water-repellent finish',
      'organic cotton',
      'deep pockets',
      'a brushed inner lining',
    ],
    uses: ['layering in autumn', 'city walks', 'travel days', 'the office', 'lazy weekends', 'cold mornings'],
  },
  {
    slug: 'sports-and-outdoors',
    prefix: 'SPRT',
    price: [999, 24_999],
    nouns: [
      'Yoga Mat',
      'Trekking Poles',
      'Insulated Water Bottle',
      'Camping Lantern',
      'Hiking Daypack',
      'Resistance Bands',
      'Down Sleeping Bag',
      'Speed Jump Rope',
      'Trail Running Vest',
      'Foam Roller',
      'Camp Stove',
      'Climbing Chalk Bag',
    ],
    adjectives: ['Trail', 'Summit', 'Ultralight', 'All-Weather', 'Training', 'Expedition'],
    features: [
      'carbon fibre construction',
      'non-slip grip',
      'double-wall vacuum insulation',
      'a packable design',
      'ripstop nylon',
      'reflective details',
    ],
    uses: [
      'alpine hikes',
      'home workouts',
      'overnight camping',
      'trail runs',
      'recovery days',
      'climbing sessions',
    ],
  },
  {
    slug: 'beauty-and-personal-care',
    prefix: 'BEAU',
    price: [599, 5_999],
    nouns: [
      'Vitamin C Face Serum',
      'Shampoo Bar',
      'Lip Balm Trio',
      'Hand Cream',
      'Bamboo Toothbrush Set',
      'Beard Oil',
      'Mineral Sunscreen SPF 50',
      'Clay Face Mask',
      'Body Wash',
      'Dry Shampoo',
      'Rosewater Toner',
      'Exfoliating Scrub',
    ],
    adjectives: ['Gentle', 'Botanical', 'Fragrance-Free', 'Hydrating', 'Soothing', 'Travel-Size'],
    features: [
      'plant-based ingredients',
      'shea butter and jojoba',
      'recyclable packaging',
      'no parabens or sulfates',
      'aloe vera',
      'a cruelty-free formula',
    ],
    uses: [
      'sensitive skin',
      'daily routines',
      'dry winter weather',
      'the gym bag',
      'morning rituals',
      'travel kits',
    ],
  },
  {
    slug: 'toys-and-games',
    prefix: 'TOYS',
    price: [699, 9_999],
    nouns: [
      '1000-Piece Jigsaw Puzzle',
      'Building Blocks Set',
      'Strategy Board Game',
      'Plush Bear',
      'Stunt Kite',
      'Wooden Train Set',
      'Card Game',
      'Marble Run',
      'Magnetic Tiles',
      'Science Kit',
      'Dollhouse Furniture',
      'Remote Control Car',
    ],
    adjectives: ['Deluxe', 'Family', 'Classic', 'Junior', 'Travel', 'Cooperative'],
    features: [
      'sustainably sourced wood',
      'non-toxic paints',
      'rules for 2 to 6 players',
      'sturdy rounded pieces',
      'a storage tin',
      'rechargeable batteries',
    ],
    uses: [
      'family game night',
      'rainy days',
      'birthday gifts',
      'road trips',
      'curious young makers',
      'classrooms',
    ],
  },
  {
    slug: 'garden',
    prefix: 'GRDN',
    price: [799, 14_999],
    nouns: [
      'Pruning Shears',
      'Watering Can',
      'Raised Bed Kit',
      'Seed Starter Tray',
      'Leather Garden Gloves',
      'Hose Nozzle',
      'Compost Bin',
      'Trowel and Fork Set',
      'Herb Planter',
      'Solar Path Lights',
      'Bird Bath',
      'Garden Kneeler',
    ],
    adjectives: ['Galvanised', 'Cedar', 'Heavy-Duty', 'Compact', 'Weatherproof', 'Balcony'],
    features: [
      'forged steel blades',
      'untreated cedar wood',
      'UV-resistant materials',
      'drainage holes',
      'a rust-proof coating',
      'solar charging',
    ],
    uses: [
      'vegetable patches',
      'balcony gardens',
      'spring planting',
      'herb growing',
      'weekend pruning',
      'raised beds',
    ],
  },
  {
    slug: 'office-supplies',
    prefix: 'OFFC',
    price: [399, 29_999],
    nouns: [
      'Dot Grid Notebook',
      'Fountain Pen',
      'Desk Organizer',
      'Monitor Stand',
      'Sticky Notes Pack',
      'Ergonomic Office Chair',
      'Desk Lamp',
      'Cable Management Tray',
      'Whiteboard',
      'Laptop Sleeve',
      'Paper Planner',
      'Letter Tray',
    ],
    adjectives: ['Minimal', 'Bamboo', 'Executive', 'Recycled', 'Adjustable', 'Studio'],
    features: [
      '100 gsm fountain-pen-friendly paper',
      'a solid bamboo frame',
      'adjustable height',
      'a refillable converter',
      'recycled materials',
      'a felt lining',
    ],
    uses: ['focused work', 'home offices', 'journaling', 'students', 'tidy desks', 'planning the week'],
  },
  {
    slug: 'pet-supplies',
    prefix: 'PETS',
    price: [499, 12_999],
    nouns: [
      'Dog Leash',
      'Cat Scratcher',
      'Orthopedic Pet Bed',
      'Rope Chew Toy',
      'Bird Feeder',
      'Slow Feeder Bowl',
      'Cat Tunnel',
      'Dog Raincoat',
      'Grooming Brush',
      'Travel Water Bottle',
      'Catnip Mice',
      'Reflective Collar',
    ],
    adjectives: ['Durable', 'Cozy', 'Adventure', 'Washable', 'Reflective', 'Calming'],
    features: [
      'a memory foam base',
      'natural cotton rope',
      'a machine-washable cover',
      'non-slip rubber feet',
      'reflective stitching',
      'sisal fibre',
    ],
    uses: ['daily walks', 'indoor cats', 'senior dogs', 'backyard birds', 'rainy walks', 'playful puppies'],
  },
];

/** mulberry32: a small, fast, deterministic PRNG; the same seed gives the same catalog. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const DEFAULT_SEED = 20_261_122;
export const PRODUCTS_PER_CATEGORY = 24;

/** The demo catalog: `PRODUCTS_PER_CATEGORY` products in each of 10 categories, identical on every call. */
export function generateCatalog(seed = DEFAULT_SEED): SeedProduct[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const products: SeedProduct[] = [];
  const names = new Set<string>();

  for (const category of CATEGORIES) {
    for (let i = 1; i <= PRODUCTS_PER_CATEGORY; i += 1) {
      const noun = category.nouns[(i - 1) % category.nouns.length]!;
      let name: string;
      do {
        name = `${pick(BRANDS)} ${pick(category.adjectives)} ${noun}`;
      } while (names.has(name));
      names.add(name);

      const [feature, otherFeature] = [pick(category.features), pick(category.features)];
      const use = pick(category.uses);
      const description =
        `${name}: built with ${feature}${otherFeature !== feature ? ` and ${otherFeature}` : ''}, made for ${use}. ` +
        `Designed to last and easy to care for. ` +
        `Backed by a ${pick(['one', 'two', 'three'])}-year warranty and free returns within 30 days.`;

      const [low, high] = category.price;
      // Shop-style prices: whole units ending in .99 (e.g. 2499 cents = $24.99).
      const priceAmount = Math.floor((low + random() * (high - low)) / 100) * 100 + 99;
      // Mostly healthy stock, some low and a few sold out, so lowStock and inStock show up.
      const roll = random();
      const initialStock =
        roll < 0.05 ? 0 : roll < 0.15 ? 1 + Math.floor(random() * 5) : 10 + Math.floor(random() * 190);

      const sku = `NM-${category.prefix}-${String(i).padStart(3, '0')}`;
      const images = [{ url: `https://picsum.photos/seed/${sku.toLowerCase()}/800/800`, alt: name }];
      if (random() < 0.5)
        images.push({
          url: `https://picsum.photos/seed/${sku.toLowerCase()}-detail/800/800`,
          alt: `${name}, detail`,
        });

      products.push({
        sku,
        name,
        description,
        priceAmount,
        currency: 'USD',
        categorySlug: category.slug,
        images,
        initialStock,
      });
    }
  }
  return products;
}

export interface SeedOptions {
  gatewayUrl: string;
  email: string;
  password: string;
  products?: SeedProduct[];
  /** Requests in flight at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface SeedReport {
  created: number;
  /** SKU already there: left alone. */
  skipped: number;
  failed: { sku: string; error: string }[];
}

interface GraphQLResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function post(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResult> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLResult;
  } catch {
    throw new Error(`${gatewayUrl} answered ${response.status}: ${text.slice(0, 200)}`);
  }
}

const CREATE_PRODUCT = 'mutation SeedProduct($input: ProductInput!) { createProduct(input: $input) { id } }';

/** Signs in through the gateway and returns the access token; refuses anyone but an administrator. */
export async function adminToken(
  options: Pick<SeedOptions, 'gatewayUrl' | 'email' | 'password'>,
): Promise<string> {
  const login = await post(
    options.gatewayUrl,
    'mutation SeedLogin($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken user { role } } }',
    { email: options.email, password: options.password },
  );
  const session = login.data?.login as { accessToken: string; user: { role: string } } | undefined;
  if (!session)
    throw new Error(`Cannot log in as ${options.email}: ${login.errors?.[0]?.message ?? 'no answer'}`);
  if (session.user.role !== 'ADMIN') throw new Error(`${options.email} is not an administrator`);
  return session.accessToken;
}

/** Creates every product of the catalog through the gateway as an administrator; existing SKUs are skipped. */
export async function seedCatalog(options: SeedOptions): Promise<SeedReport> {
  const log = options.log ?? (() => undefined);
  const products = options.products ?? generateCatalog();

  const session = { accessToken: await adminToken(options) };

  const report: SeedReport = { created: 0, skipped: 0, failed: [] };
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < products.length; index = next++) {
      const product = products[index]!;
      const result = await post(options.gatewayUrl, CREATE_PRODUCT, { input: product }, session.accessToken);
      const error = result.errors?.[0];
      if (!error) report.created += 1;
      else if (error.extensions?.code === 'CONFLICT' && error.extensions.field === 'input.sku')
        report.skipped += 1;
      else
        report.failed.push({
          sku: product.sku,
          error: `${String(error.extensions?.code ?? 'ERROR')}: ${error.message}`,
        });
      const done = report.created + report.skipped + report.failed.length;
      if (done % 50 === 0 || done === products.length) log(`  ${done}/${products.length}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return report;
}
