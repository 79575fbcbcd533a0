export { MIN_NODE, checkNodeVersion } from "./node-version";
export {
  DEBIAN_PACKAGES,
  PYTHON_ENV,
  aptFailure,
  aptInstall,
  ensureJupyter,
  findJupyterPython,
  installInstructions,
  probePythons,
  pythonCandidates,
} from "./jupyter";
export type { PythonReport } from "./jupyter";
export { KERNEL_NAME, installKernel, kernelJson, kernelsDir, listKernels, projectKernel, uninstallKernel } from "./kernelspec";
export type { KernelInstallOptions, KernelInstalled, KernelLocation } from "./kernelspec";
export { freePort, startNotebookServer } from "./server";
export type { NotebookServer, NotebookServerOptions } from "./server";
