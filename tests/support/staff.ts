/** Staff accounts for the role suites: a fresh user given a role by the administrator, signed in again. */
import { type Role } from '@novamart/kit';
import { mustSucceed } from './storefront';
import { type SignedInUser, type Supergraph } from './supergraph';

const SET_ROLE = 'mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }';

/**
 * Registers a user, has the administrator give it `role` through `setUserRole` (which ends the
 * user's sessions), and signs in again so that the token carries the role.
 */
export async function staffMember(sg: Supergraph, role: Role, name = `${role} staff`): Promise<SignedInUser> {
  const user = await sg.customer(name);
  if (role === 'CUSTOMER') return user;
  const admin = await sg.admin();
  const changed = mustSucceed(
    await sg.query(SET_ROLE, { id: user.userId, role }, { token: admin.token }),
    'setUserRole',
  );
  if (changed.setUserRole.role !== role) throw new Error(`setUserRole answered ${changed.setUserRole.role}`);
  return sg.login(user.email, user.password);
}
