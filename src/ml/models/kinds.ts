/** What a model does, and the choices of how it trains (trainModel's options, the fused path's spec). */
export type Task = "classification" | "regression";
export type Activation = "relu" | "tanh" | "sigmoid" | "elu" | "selu";
export type OptimizerName = "adam" | "sgd" | "rmsprop";
