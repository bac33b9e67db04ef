import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { zone } from './zone';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

interface Props {
  title: string;
  /** The y axis's unit, in its label and the legend: "USD", "tokens", "%". */
  unit: string;
  /** Bucket starts, milliseconds since the epoch. */
  times: number[];
  series: Series[];
  format: (v: number) => string;
  height?: number;
}

/** An x tick in `tz`, 24-hour: the date at midnight, else the time. */
function tick(seconds: number, tz: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(seconds * 1000))
      .map((x) => [x.type, x.value]),
  );
  return p.hour === '00' && p.minute === '00' ? `${p.day} ${p.month}` : `${p.hour}:${p.minute}`;
}

/**
 * A time-series chart (uPlot: canvas, ~50 KB, no runtime dependencies). The x axis is drawn in the
 * zone the dashboard shows times in, and says which; the y axis and the legend carry the unit.
 */
export function Chart({ title, unit, times, series, format, height = 220 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const tz = zone.get();
    const opts: uPlot.Options = {
      width: el.clientWidth,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        {
          label: `time (${zone.label()})`,
          labelSize: 20,
          stroke: '#5b6472',
          grid: { stroke: '#eceff3' },
          values: (_u, ticks) => ticks.map((t) => tick(t, tz)),
        },
        { label: unit, labelSize: 20, size: 70, stroke: '#5b6472', grid: { stroke: '#eceff3' }, values: (_u, ticks) => ticks.map(format) },
      ],
      series: [
        {
          label: 'time',
          value: (_u, v) => (v === null ? '–' : new Date(v * 1000).toLocaleString('en-GB', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' })),
        },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: `${s.color}22`,
          width: 2,
          points: { show: times.length < 40 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
        })),
      ],
    };
    const plot = new uPlot(opts, [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, unit, height, format]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}, ${unit}`} />
    </figure>
  );
}
