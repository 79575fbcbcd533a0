// A pipelab pipeline, exported from ../notebooks/01-penguins-classification.ipynb
// (notebook sha256 26682b79aad80eef1e3b21ba57e30891117355047d3f2da2d851f178fb282a67, 2026-11-23).
// Edit the notebook and export it again rather than this file.
// Run it: npx pipelab run pipelines/penguins-classification.ts [--param name=value ...]

import { Workbench, loadDataset, trainTestSplit, StandardScaler, trainModel, evaluate } from "pipelab";
import { runMain } from "pipelab";

runMain(async () => {
  // # Penguins: species from four measurements
  //
  // The Palmer penguins (vega-datasets): 344 birds of three species, measured on three islands. We predict the **species** from beak length and depth, flipper length and body mass with a small neural network (an MLP in TensorFlow.js), and look at how well it does.
  //
  // Each cell below is one pipeline step. Run them in order; then change a parameter and see that only the steps that depend on it recompute.

  // cell 2
  const wb = await Workbench.open({ experiment: "penguins" });

  // ## Parameters
  //
  // Everything a run depends on that you might change goes here: `wb.params` records them with the run.

  // cell 4
  const p = wb.params({ testSize: 0.25, seed: 7, hidden: 16, epochs: 60, lr: 0.01 });
  const FEATURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

  // ## Load and clean
  //
  // A few birds lack measurements: we keep the species and the four measurements, and drop incomplete rows.

  // cell 6
  const raw = await wb.step("load", () => loadDataset("penguins"));
  const clean = await wb.step("clean", { raw, FEATURES }, ({ raw, FEATURES }) => raw.loc({ columns: ["Species", ...FEATURES] }).dropNa({ axis: 1 }));
  console.log(clean.shape);

  // How the species differ on each measurement: flipper length and body mass separate Gentoo; beak length separates Adelie from Chinstrap.

  // cell 8
  wb.show.distributions(clean, { by: "Species" });

  // ## Split and scale
  //
  // A stratified split keeps the species proportions in both parts; the scaler learns means and deviations on the training part only. The split takes just the two parameters it uses, so changing another one leaves it cached.

  // cell 10
  const split = await wb.step("split", { clean, testSize: p.testSize, seed: p.seed }, ({ clean, testSize, seed }) =>
    trainTestSplit(clean, { testSize, seed, stratify: "Species" }),
  );
  const data = await wb.step("scale", { split, FEATURES }, ({ split, FEATURES }) => {
    const scaler = new StandardScaler({ columns: FEATURES });
    return {
      scaler,
      xTrain: scaler.fitTransform(split.train.loc({ columns: FEATURES })),
      xTest: scaler.transform(split.test.loc({ columns: FEATURES })),
      yTrain: split.train.column("Species"),
      yTest: split.test.column("Species"),
    };
  });
  console.log([split.train.shape[0], split.test.shape[0]]);

  // ## Train
  //
  // One hidden layer of `p.hidden` units. The loss and accuracy of each epoch, on the training and the test part, are logged to the run while a progress line updates in place.

  // cell 12
  const model = await wb.step("train", { data, p }, ({ data, p }) =>
    trainModel(
      { x: data.xTrain, y: data.yTrain, validation: { x: data.xTest, y: data.yTest } },
      { task: "classification", hidden: [p.hidden], epochs: p.epochs, learningRate: p.lr, seed: p.seed },
    ),
  );

  // cell 13
  wb.show.learningCurves("loss");

  // ## Evaluate
  //
  // `evaluate` scores the model on the test part and records the scores as the run's final metrics (`test_accuracy`, `test_f1_macro`, ...).

  // cell 15
  const report = await wb.step("evaluate", { model, data }, ({ model, data }) => evaluate(model, data.xTest, data.yTest));
  console.log(report.metrics);

  // cell 16
  wb.show.confusion(report);

  // cell 17
  wb.show.roc(report);

  // cell 18
  wb.show.pr(report);
});
