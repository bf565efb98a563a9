import { describe, it, expect } from 'vitest';
import { hashPassword, verifyPassword } from './password.ts';

describe('sensor password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('s3cret');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('s3cret', h)).toBe(true);
    expect(await verifyPassword('s3cret!', h)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('x')).not.toBe(await hashPassword('x'));
  });

  it('treats a malformed hash as a mismatch instead of throwing', async () => {
    for (const bad of ['', 'plain', 'scrypt$a$b$c$d$e', 'scrypt$99999999$8$1$AAAA$AAAA', 'bcrypt$1$1$1$AA$AA']) {
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });
});
