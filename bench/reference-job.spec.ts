import { machineSpeed, machineSpeedLine, runComputeJob, runLoopbackJob } from './reference-job';

describe('the reference jobs', () => {
  it('compute: does the same work every time (same checksum) and measures its CPU', () => {
    const [a, b] = [runComputeJob(), runComputeJob()];
    expect(a.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(b.checksum).toBe(a.checksum);
    expect(a.cpuMs).toBeGreaterThan(0);
  });

  it('loopback: every byte comes back, every time, and its CPU is measured', async () => {
    const [a, b] = [await runLoopbackJob(), await runLoopbackJob()];
    expect(b.checksum).toBe(a.checksum);
    expect(a.cpuMs).toBeGreaterThan(0);
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
});
