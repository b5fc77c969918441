// The algorithms Hostdeck offers (../../shared/SECURITY.md, SSH 5): no SHA-1
// ssh-rsa signatures, no CBC ciphers (CVE-2008-5161), no DSS, no SHA-1 MACs
// or key exchange. AEAD ciphers first: they are the fastest with ssh2's
// native binding (issue 3 bench). Strict KEX (kex-strict-c-v00@openssh.com,
// the Terrapin fix, CVE-2023-48795) is appended by ssh2 itself to any
// custom offer (ssh2 lib/protocol/Protocol.js), and test/ssh.test.ts checks
// that it is negotiated.
import type { Algorithms } from 'ssh2';

export const algorithms: Algorithms = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  serverHostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none'],
};
