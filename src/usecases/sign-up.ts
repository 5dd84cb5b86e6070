/**
 * Self-service accounts: signing up from the web. Sign-up never tells whether an email
 * already has an account (the caller shows the same answer either way); usernames are public, so a taken one is said.
 */
import { parseEmail, parseUsername } from '../auth/names.js';
import { checkPasswordStrength, hashPassword } from '../auth/passwords.js';
import { isWikiError, WikiError } from '../errors.js';
import type { User } from '../meta/meta-store.js';
import { createUser } from './accounts.js';
import type { Services } from './services.js';

export interface SignUpInput {
  username: string;
  email: string;
  password: string;
}

/**
 * Creates an account. `created: null` means the email already belongs to an account: nothing was created, and the
 * caller must answer exactly as for a new account. The password is hashed in both cases, so both take as long.
 */
export async function signUp(services: Services, input: SignUpInput): Promise<{ created: User | null }> {
  const username = parseUsername(input.username.trim().toLowerCase());
  const email = parseEmail(input.email.trim());
  checkPasswordStrength(input.password);
  if (await services.meta.getUserByUsername(username)) {
    throw new WikiError('USER_EXISTS', `The username "${username}" is taken; pick another.`, { field: 'username' });
  }
  if (await services.meta.getUserByEmail(email)) {
    await hashPassword(input.password);
    return { created: null };
  }
  try {
    // Nobody has proven they own this email (there is no verification mail yet): invitations to it stay pending.
    return { created: await createUser(services, { username, email, password: input.password, emailVerified: false }) };
  } catch (err) {
    // Two sign-ups at once: the store's unique constraint decides, with the same answers as above.
    if (isWikiError(err, 'USER_EXISTS') && err.data.field === 'email') return { created: null };
    throw err;
  }
}

