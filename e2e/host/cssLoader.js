// A tiny style loader for the host bundle (no css-loader/style-loader installed): injects a
// stylesheet imported by @grafana/ui (uPlot, date picker, slider) as a <style> element.
module.exports = function cssToStyleTag(source) {
  return `if (typeof document !== 'undefined') { const s = document.createElement('style'); s.textContent = ${JSON.stringify(
    source
  )}; document.head.appendChild(s); }`;
};
