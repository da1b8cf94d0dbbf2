// Scenarios run in the order of their file names (01-... to 99-phi-scan), not by jest's timing
// heuristics: the PHI scan and the results table must come last.
const Sequencer = require('@jest/test-sequencer').default;

class ByName extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
}

module.exports = ByName;
