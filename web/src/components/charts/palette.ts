// One palette for every chart, so a stage or tier has the same colour everywhere on the page.

/** Lifecycle stages: fresh blue, healthy green, recovered violet, warning amber, lost red. */
export const stageColors: Readonly<Record<string, string>> = {
  new: '#3b82f6',
  active: '#10b981',
  won_back: '#8b5cf6',
  dormant: '#f59e0b',
  churned: '#ef4444',
};

/** Value tiers, from strong to light blue. */
export const tierColors: Readonly<Record<string, string>> = { high: '#1d4ed8', mid: '#60a5fa', low: '#cbd5e1' };

/** Series colours of the trend: revenue (in the chosen period, and outside it), active customers, new customers. */
export const seriesColors = { revenue: '#1d4ed8', revenueOutside: '#93b4f5', active: '#10b981', new: '#f59e0b', neutral: '#94a3b8' } as const;

/** The sequential ramp of the heatmaps, light to dark (readable labels switch to white on the dark half). */
export const heatRamp = ['#eff6ff', '#bfdbfe', '#60a5fa', '#2563eb', '#1e3a8a'] as const;

/** A colour for a key in a colour map, grey for anything unknown. */
export const colorOf = (colors: Readonly<Record<string, string>>, key: string | null | undefined): string => (key ? (colors[key] ?? seriesColors.neutral) : seriesColors.neutral);

/** Text colour on a heatmap cell of relative intensity 0…1: dark text on light cells, white on dark ones. */
export const labelColorOn = (intensity: number): string => (intensity > 0.55 ? '#ffffff' : '#0f172a');
