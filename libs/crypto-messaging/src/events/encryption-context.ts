/** The encryption context moved to the dependency-free core; this path stays for the library's own modules. */
export { contextFor } from '../core/encryption-context';
