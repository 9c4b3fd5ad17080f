import { BarChart, CustomChart, ScatterChart, type BarSeriesOption, type CustomSeriesOption, type ScatterSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  LegendPlainComponent,
  MarkLineComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Register only what the views draw: bars, and the forecast chart's mean points (scatter), interval whiskers
// (custom) and zero line (mark line), on a grid with tooltip and legend, painted on canvas. The full `echarts`
// entry would add ~500 kB more of charts and components nobody sees.
echarts.use([BarChart, ScatterChart, CustomChart, GridComponent, TooltipComponent, LegendPlainComponent, MarkLineComponent, CanvasRenderer]);

export type ChartOption = echarts.ComposeOption<
  | BarSeriesOption
  | ScatterSeriesOption
  | CustomSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
>;
export { echarts };
