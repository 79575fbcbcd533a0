export { predict, predictProba, predictRaw, trainModel } from "./train";
export { DenseNetwork, denseNetworkOf } from "./dense-forward";
export type { Activation, OptimizerName, Task, TrainData, TrainOptions, TrainedModel } from "./train";
export { toLabels, toMatrix } from "./matrix";
export type { Features, Labels, Matrix } from "./matrix";
