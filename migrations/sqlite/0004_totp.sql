-- attest storage, version 4: a second factor for signing in.
--
-- An account with a TOTP secret (RFC 6238: HMAC-SHA-1, six digits, 30 s
-- steps) signs in with its password and the code of the moment. The last
-- step accepted is kept, so a code is accepted once.
ALTER TABLE account ADD COLUMN totp_secret BLOB;
ALTER TABLE account ADD COLUMN totp_last_step INTEGER;
