// The plugin project's tests read a fleet that its globalSetup seeded with the 30 minutes before
// the run began, through windows relative to the clock (now − 1800 s …). Run after the other
// projects (more than 30 minutes of real databases, containers and browsers), they found no data.
// So they run first; within each part, Jest's own order (failed first, then slowest) stands.
const Sequencer = require('@jest/test-sequencer').default;

class PluginFirst extends Sequencer {
  async sort(tests) {
    const order = await super.sort(tests);
    const plugin = (t) => t.context.config.displayName?.name === 'plugin';
    return [...order.filter(plugin), ...order.filter((t) => !plugin(t))];
  }
}

module.exports = PluginFirst;
