/* global db */
// Runs once, when the MongoDB volume is first initialised (the mongo image's
// /docker-entrypoint-initdb.d), as the root user from MONGO_INITDB_ROOT_USERNAME/PASSWORD.
// One user per subgraph, allowed only on that subgraph's database: a subgraph never reads
// another's data, and now cannot either. Passwords come from MONGO_<NAME>_PASSWORD (.env).
const subgraphs = [
  'users',
  'products',
  'inventory',
  'cart',
  'orders',
  'payments',
  'notifications',
  'recommendations',
  'promotions',
  'shipping',
  'reviews',
];
for (const name of subgraphs) {
  const password = process.env[`MONGO_${name.toUpperCase()}_PASSWORD`];
  if (!password) throw new Error(`MONGO_${name.toUpperCase()}_PASSWORD is not set`);
  const database = `novamart_${name}`;
  db.getSiblingDB(database).createUser({
    user: database,
    pwd: password,
    roles: [{ role: 'readWrite', db: database }],
  });
}
