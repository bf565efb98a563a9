/** The rule set shipped for a refrigerated truck (default-rules.yaml), parsed and validated. */
import { readFileSync } from 'node:fs';
import { packagePath } from '../../shared/package-root.ts';
import type { RuleSet } from './rule-schema.ts';
import { parseRuleSet } from './parse-rules.ts';
import { AlertConfigError } from './errors.ts';

export const DEFAULT_RULES_PATH = packagePath('edge', 'alerts', 'default-rules.yaml');

export function loadDefaultRules(): RuleSet {
  const res = parseRuleSet(readFileSync(DEFAULT_RULES_PATH, 'utf8'), 'yaml');
  if (!res.ok) throw new AlertConfigError(`invalid ${DEFAULT_RULES_PATH}`, res.errors);
  return res.rules;
}
