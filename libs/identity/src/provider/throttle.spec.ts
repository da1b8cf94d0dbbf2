import { SignInThrottle } from './throttle';

describe('SignInThrottle', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('refuses the 6th attempt for a username within 15 minutes and says how long to wait', () => {
    const throttle = new SignInThrottle(5, 900_000, clock);
    for (let i = 0; i < 4; i++) throttle.recordFailure('Nurse', `10.0.0.${i}`);
    expect(throttle.retryAfterSeconds('nurse', '10.0.0.9')).toBe(0);
    now += 60_000;
    throttle.recordFailure('nurse ', '10.0.0.5');
    // Case and spaces do not make a new username.
    expect(throttle.retryAfterSeconds('NURSE', '10.0.0.9')).toBe(840);
    now += 840_000;
    expect(throttle.retryAfterSeconds('nurse', '10.0.0.9')).toBe(0);
  });

  it('throttles a client address across usernames, and a success clears only the username', () => {
    const throttle = new SignInThrottle(5, 900_000, clock);
    for (const user of ['a', 'b', 'c', 'd', 'e']) throttle.recordFailure(user, '127.0.0.1');
    expect(throttle.retryAfterSeconds('f', '127.0.0.1')).toBeGreaterThan(0);
    expect(throttle.retryAfterSeconds('f', '127.0.0.2')).toBe(0);
    for (let i = 0; i < 5; i++) throttle.recordFailure('g', `192.168.0.${i}`);
    throttle.recordSuccess('g');
    expect(throttle.retryAfterSeconds('g', '192.168.0.200')).toBe(0);
  });
});
