import { z } from 'zod';
import { spellingsOf } from './model-names';
import type { CatalogData } from './types';

/**
 * Validation for the shipped models.json and for overrides read from the store. Objects are strict so a
 * misspelt optional key (`long_contxt`) fails instead of silently dropping a price tier; the only extra
 * keys allowed are the documentation fields `source` and `notes`.
 */

// Cost maths works in thousandths of a micro-USD per token, so a price must be exact at that scale.
const Price = z
  .number()
  .nonnegative()
  .finite()
  .refine((p) => Math.abs(p * 1000 - Math.round(p * 1000)) < 1e-6, 'at most 3 decimal places (USD per MTok)');

const PriceRowSchema = z.strictObject({
  input: Price,
  output: Price,
  cache_write_5m: Price,
  cache_write_1h: Price,
  cache_read: Price,
  source: z.string().min(1).optional(),
});

/** A price row as the admin API takes it for a negotiated per-model price (no source needed). */
export const PriceRowInput = z.strictObject({ input: Price, output: Price, cache_write_5m: Price, cache_write_1h: Price, cache_read: Price });

/** A provider's negotiated prices: a discount off list, and per-model rows that replace list. */
export const NegotiatedPricingSchema = z.strictObject({
  discount_percent: z
    .number()
    .min(0)
    .max(100)
    .refine((d) => Math.abs(d * 100 - Math.round(d * 100)) < 1e-6, 'at most 2 decimal places')
    .optional(),
  models: z.record(z.string().min(1), PriceRowInput).optional(),
});

const Day = z.iso.date();

const RetirementSchema = z.strictObject({ date: Day, replacement: z.string().min(1), source: z.string().min(1) });

const ModelId = z.string().regex(/^[a-z0-9][a-z0-9.@:-]*$/, 'lowercase letters, digits, ".", "-", "@" or ":"');

const ModelEntrySchema = z.strictObject({
  id: ModelId,
  aliases: z.array(ModelId).default([]),
  display_name: z.string().min(1),
  created_at: z.union([z.iso.datetime(), z.iso.date()]),
  vertex: ModelId.optional(),
  bedrock: z.strictObject({ id: ModelId, needs_profile: z.boolean() }).optional(),
  prices: PriceRowSchema,
  long_context: z.strictObject({ threshold: z.number().int().positive(), prices: PriceRowSchema }).optional(),
  regional_premium: z.boolean(),
  fast: PriceRowSchema.optional(),
  data_residency_premium: z.boolean().optional(),
  retired: z.strictObject({ vertex: RetirementSchema, bedrock: RetirementSchema, anthropic: RetirementSchema }).partial().optional(),
  notes: z.string().optional(),
});

const BetaPolicySchema = z
  .strictObject({
    mode: z.enum(['allow', 'pass']),
    allow: z.array(z.string().min(1)).optional(),
    rename: z.record(z.string().min(1), z.string().min(1)).optional(),
    drop: z.array(z.string().min(1)).optional(),
    source: z.string().min(1),
  })
  .refine((p) => p.mode !== 'allow' || p.allow !== undefined, { message: 'mode "allow" needs an allow list', path: ['allow'] })
  .refine((p) => p.mode !== 'allow' || Object.values(p.rename ?? {}).every((to) => p.allow?.includes(to)), {
    message: 'in mode "allow" every rename target must be allowed, or the renamed beta is dropped anyway',
    path: ['rename'],
  });

export const CatalogDataSchema = z
  .strictObject({
    notes: z.string().optional(),
    pricing_rules: z.record(z.string(), z.string().min(1)).optional(),
    models: z.array(ModelEntrySchema).min(1),
    betas: z.strictObject({ vertex: BetaPolicySchema, bedrock: BetaPolicySchema, anthropic: BetaPolicySchema }),
  })
  .superRefine((data, ctx) => {
    // Every spelling must name one model, or resolve() would depend on array order.
    const owner = new Map<string, string>();
    data.models.forEach((m, i) => {
      for (const s of spellingsOf(m)) {
        const prev = owner.get(s);
        if (prev !== undefined && prev !== m.id) {
          ctx.addIssue({ code: 'custom', path: ['models', i], message: `"${s}" names both ${prev} and ${m.id}` });
        } else owner.set(s, m.id);
      }
    });
    // A replacement the catalog cannot resolve would send the client to a name that fails too.
    data.models.forEach((m, i) => {
      for (const [kind, r] of Object.entries(m.retired ?? {})) {
        if (!owner.has(r.replacement.toLowerCase())) {
          ctx.addIssue({ code: 'custom', path: ['models', i, 'retired', kind, 'replacement'], message: `"${r.replacement}" is not a catalog model` });
        }
      }
    });
  });

/** Parses catalog data or throws one error listing every problem with its path. */
export function parseCatalogData(raw: unknown): CatalogData {
  const parsed = CatalogDataSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid model catalog:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
