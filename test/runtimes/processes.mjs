// Child processes with a time limit, ended by their own PID.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** Runs a command to completion (or kills it after timeoutMs); resolves with its output. */
export function run(command, args, { cwd, env = process.env, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: String(error) }); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** Stops a server started with spawn(): SIGTERM to its PID, SIGKILL if it has not exited within graceMs. */
export async function stop(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => { if (child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The last line of output that parses as JSON, or an error report with what was printed. */
export function lastJson({ code, stdout, stderr }) {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (line) {
    try { return JSON.parse(line); } catch { /* fall through */ }
  }
  return { error: `exit ${code}: ${(stderr || stdout).trim().split('\n').slice(-6).join(' | ')}` };
}
