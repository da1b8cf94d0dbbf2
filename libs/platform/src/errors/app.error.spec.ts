import { AppError, AppErrorCode, describeAppError } from './app.error';

describe('AppError', () => {
  it('carries a code, a message, a fix and the cause, under its own name', () => {
    const cause = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const error = new AppError(AppErrorCode.PortInUse, 'Port 3001 of the billing app is already in use.', {
      cause,
      fix: 'Stop the other process.',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AppError');
    expect(error.code).toBe('PORT_IN_USE');
    expect(error.fix).toBe('Stop the other process.');
    expect(error.cause).toBe(cause);
  });

  it('reads as the message then the fix, or the message alone without one', () => {
    expect(
      describeAppError(
        new AppError(AppErrorCode.BadSettings, 'PORT is not a number.', { fix: 'Set PORT to 1-65535.' }),
      ),
    ).toBe('PORT is not a number. Set PORT to 1-65535.');
    const bare = new AppError(AppErrorCode.MigrationFailed, 'Migrating the billing database failed.');
    expect(describeAppError(bare)).toBe('Migrating the billing database failed.');
    expect(bare.fix).toBeUndefined();
    expect(bare.cause).toBeUndefined();
  });
});
