import { BarChart, type BarSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  LegendPlainComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Register only what the views draw: bar charts on a grid with tooltip and legend, painted on canvas.
// The full `echarts` entry would add ~500 kB more of charts and components nobody sees.
echarts.use([BarChart, GridComponent, TooltipComponent, LegendPlainComponent, CanvasRenderer]);

export type ChartOption = echarts.ComposeOption<BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption>;
export { echarts };
