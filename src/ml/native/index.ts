export { NATIVE_BLAS_ADDON, NATIVE_BLAS_ENV, blasName, nativeBlas } from "./blas";
export type { NativeBlas } from "./blas";
