/**
 * Dependency-free SVG charts for the bench report. Each function returns a standalone document
 * (with xmlns) that a browser, GitHub's Markdown viewer or an `<img>` tag can show as is.
 */
export { lineChart, type ChartMarker, type LineChartOptions, type LineSeries, type Point } from './svg/line-chart.js';
export { barChart, type Bar, type BarChartOptions, type BarGroup } from './svg/bar-chart.js';
export { formatTick, logTicks, niceNumber, niceTicks, type Ticks } from './svg/ticks.js';
export { escapeXml } from './svg/xml.js';
