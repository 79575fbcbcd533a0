export { checkNodeVersion } from "./node-version";
export { DEBIAN_PACKAGES, aptFailure, aptInstall, ensureJupyter, findJupyterPython, installInstructions, probePythons } from "./jupyter";
export type { PythonReport } from "./jupyter";
export { KERNEL_NAME, installKernel, kernelJson, listKernels, projectKernel, uninstallKernel } from "./kernelspec";
export type { KernelInstallOptions, KernelInstalled, KernelLocation } from "./kernelspec";
export { startNotebookServer } from "./server";
export type { NotebookServer, NotebookServerOptions } from "./server";
