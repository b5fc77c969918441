// Agent forwarding (ForwardAgent, ssh -A): off unless the host says so; on,
// a command on the server sees an SSH_AUTH_SOCK that reaches this machine's
// agent (a real ssh-agent with one key, listed through the forwarded socket).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsApi, type SessionsModule } from '../main/api/sessions-api.js';
import type { Gateway } from '../main/gateway/gateway.js';
import type { PromptRequest } from '../shared/api/contract.js';
import type { SavedHost } from '../shared/model/host.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { makeTempDir } from './support/processes.js';
import { makeHome } from './support/serve.js';
import { generateKey, startSshd, type Sshd } from './support/sshd.js';
import { sshKeyHostInput } from './support/hosts.js';

const harness = new StoreHarness('agent');
let sshd: Sshd;
let agentPid: number | undefined;
const savedSock = process.env['SSH_AUTH_SOCK'];

beforeAll(async () => {
  sshd = await startSshd();
  const dir = makeTempDir('agent');
  const sock = join(dir, 'agent.sock');
  const out = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
  agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
  const key = join(dir, 'agent_key');
  generateKey(key, 'ed25519', '', 'hostdeck-forwarded-agent');
  execFileSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  process.env['SSH_AUTH_SOCK'] = sock;
});
afterAll(async () => {
  if (savedSock === undefined) delete process.env['SSH_AUTH_SOCK'];
  else process.env['SSH_AUTH_SOCK'] = savedSock;
  if (agentPid) spawnSync('kill', [String(agentPid)]);
  harness.cleanup();
  await sshd.stop();
});

async function runOnServer(sessions: SessionsModule, host: SavedHost, command: string): Promise<string> {
  const { lease } = await sessions.ssh.lease(host.id, 'agent-open', new AbortController().signal);
  try {
    const ch = await lease.connection.exec(command);
    let out = '';
    ch.on('data', (d: Buffer) => (out += d.toString()));
    ch.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((ok) => ch.once('close', ok));
    return out;
  } finally {
    lease.release();
  }
}

describe('agent forwarding', () => {
  it('is off by default and forwards the local agent when the host turns it on', async () => {
    const store = harness.open({ saveDelayMs: 0 });
    const noGateway = (): Gateway => {
      throw new Error('no gateway here');
    };
    const sessions: SessionsModule = sessionsApi({
      store,
      gateway: noGateway,
      homeDir: makeHome(),
      userKnownHosts: [],
      emit: (event, payload) => {
        if (event === 'prompt.ask') {
          const p = payload as PromptRequest & { promptId: string };
          sessions.prompts.answer(p.promptId, { type: 'decision', accept: p.kind === 'hostKey' });
        }
      },
    });
    try {
      const plain = store.saveHost(sshKeyHostInput('plain', sshd));
      const forwarding = store.saveHost({ ...sshKeyHostInput('forwarding', sshd), forwardAgent: true });
      expect(plain.forwardAgent).toBeUndefined();
      const cmd = 'echo "sock=[$SSH_AUTH_SOCK]"; ssh-add -l';
      const off = await runOnServer(sessions, plain, cmd);
      expect(off).toContain('sock=[]');
      expect(off).not.toContain('hostdeck-forwarded-agent');
      const on = await runOnServer(sessions, forwarding, cmd);
      expect(on).toMatch(/sock=\[\/tmp\/ssh-[^\]]+\]/);
      expect(on).toContain('hostdeck-forwarded-agent');
    } finally {
      await sessions.dispose();
    }
  });
});
