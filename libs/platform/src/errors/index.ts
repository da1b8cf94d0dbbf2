export { AppError, AppErrorCode, describeAppError, type AppErrorOptions } from './app.error';
