"""Jupyter's kernel conformance suite (jupyter_kernel_test) against the pipelab kernel.

Run by test/kernel/conformance.test.ts, which registers the kernel in a private
Jupyter path and passes the report file to write: one JSON object per check,
with its outcome (passed, failed, skipped) and, for the others, why.
"""
import json
import sys
import time
import unittest

import jupyter_kernel_test


class PipelabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "pipelab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("to stderr");'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "const completeMe = 1;\ncompleteM", "matches": {"completeMe"}},
    ]
    complete_code_samples = ["1 + 1", "const x = 1;", "function f() {\n  return 1;\n}", "for (const i of [1]) console.log(i);"]
    incomplete_code_samples = ["function f() {", "const a = [1,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["const = 1;", "1 +* 2", ")"]

    code_page_something = "?Math.max"
    code_generate_error = 'throw new Error("boom");'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2, 3]", "result": "[ 1, 2, 3 ]"},
        {"code": "({ a: 1 })", "result": "{ a: 1 }"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>bold</b>");', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.png(new Uint8Array([137, 80, 78, 71]));', "mime": "image/png"},
    ]
    code_history_pattern = "6*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"
    code_clear_output = "console.clear();"

    # Beyond the suite: the heartbeat answers (clients judge a kernel dead by it).
    def test_heartbeat(self):
        hb = self.kc.hb_channel
        if not hb.is_alive():
            hb.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not hb.is_beating():
            time.sleep(0.2)
        time.sleep(3)  # several pings, each answered
        self.assertTrue(hb.is_beating(), "the kernel's heartbeat does not answer")


class Recorder(unittest.TextTestResult):
    """Keeps every check's outcome, subtests included, for the report file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = []

    def _record(self, test, outcome, detail=""):
        self.records.append({"test": test.id().split(".")[-1] if not hasattr(test, "test_case") else f"{test.test_case.id().split('.')[-1]} {test._subDescription()}", "outcome": outcome, "detail": detail})

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failed", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "failed", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is None:
            self._record(subtest, "passed")
        elif issubclass(err[0], unittest.SkipTest):
            self._record(subtest, "skipped", str(err[1]))
        else:
            self._record(subtest, "failed", self._exc_info_to_string(err, subtest))


if __name__ == "__main__":
    report = sys.argv[1]
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(PipelabKernelTests)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=Recorder)
    result = runner.run(suite)
    with open(report, "w") as f:
        json.dump({"testsRun": result.testsRun, "records": result.records}, f, indent=1)
    sys.exit(0 if result.wasSuccessful() else 1)
