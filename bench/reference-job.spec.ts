import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { isRunning } from '@app/local-stack/testing';
import {
  expectedLoopbackChecksum,
  machineSpeed,
  machineSpeedLine,
  runComputeJob,
  runLoopbackJob,
  startEchoServer,
} from './reference-job';
import { until } from './support';

describe('the reference jobs', () => {
  it('compute: does the same work every time (same checksum) and measures its CPU', () => {
    const [a, b] = [runComputeJob(), runComputeJob()];
    expect(a.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(b.checksum).toBe(a.checksum);
    expect(a.cpuMs).toBeGreaterThan(0);
  });

  it('loopback: every byte comes back from the echo process, in order, and its CPU is measured', async () => {
    const echo = await startEchoServer();
    try {
      const run = await runLoopbackJob(echo.port);
      expect(run.checksum).toBe(expectedLoopbackChecksum());
      expect(run.cpuMs).toBeGreaterThan(0);
    } finally {
      await echo.stop();
    }
  });

  it('loopback: fails, rather than waits, when the other side closes part-way', async () => {
    const server = createServer((socket) => socket.once('data', () => socket.end()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await expect(runLoopbackJob((server.address() as AddressInfo).port)).rejects.toThrow(
        'the echo server closed the connection',
      );
    } finally {
      server.close();
    }
  });

  it("gives the machine's speed as the two jobs' CPU, and reports it before and after a run", async () => {
    const speed = await machineSpeed();
    expect(speed.computeMs).toBeGreaterThan(0);
    expect(speed.loopbackMs).toBeGreaterThan(0);
    const line = machineSpeedLine({
      before: { computeMs: 27.64, loopbackMs: 80.1 },
      after: { computeMs: 28, loopbackMs: 161.25 },
    });
    expect(line).toContain('27.6 / 80.1 ms before the run, 28.0 / 161.3 ms after');
  });

  it('the echo server ends with the bench, even when the bench is killed with SIGKILL', async () => {
    const root = path.resolve(__dirname, '..');
    const bench = spawn(
      process.execPath,
      [
        '-r',
        path.join(root, 'tools/register.js'),
        '-e',
        `require(${JSON.stringify(path.join(__dirname, 'reference-job'))}).startEchoServer()
           .then((echo) => process.stdout.write(echo.pid + '\\n'));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(bench, 'exit');
    const [line] = (await once(bench.stdout, 'data')) as [Buffer];
    const echo = Number(line.toString().trim());
    expect(isRunning(echo)).toBe(true);
    bench.kill('SIGKILL');
    await exited;
    try {
      await until(() => !isRunning(echo), 5_000, 'the echo server ended', 20);
      expect(isRunning(echo)).toBe(false);
    } finally {
      if (isRunning(echo)) process.kill(echo, 'SIGKILL'); // a failed test leaves nothing behind
    }
  }, 30_000);
});
