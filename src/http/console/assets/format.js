// Numbers, dates and names the way underwriters read them: scores with one
// decimal, USD whole dollars with thousands separators, dates YYYY-MM-DD (UTC).

const DASH = '\u2014';

const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

const isNumber = (x) => typeof x === 'number' && Number.isFinite(x);

export const LEVELS = ['low', 'medium', 'high', 'critical'];
export const SRP_PROFILES = ['HRS', 'SRS', 'LRS'];

/** A score (0..100) with one decimal. */
export function score(x) {
  return isNumber(x) ? oneDecimal.format(x) : DASH;
}

/** A change in score with its sign: +1.2, −0.4, 0.0. */
export function change(x) {
  if (!isNumber(x)) return DASH;
  const rounded = Math.round(x * 10) / 10;
  if (rounded === 0) return '0.0';
  return (rounded > 0 ? '+' : '\u2212') + oneDecimal.format(Math.abs(rounded));
}

export function usd(x) {
  return isNumber(x) ? dollars.format(x) : DASH;
}

export function count(x) {
  return isNumber(x) ? integer.format(x) : DASH;
}

/** Claims frequencies and factor values: two decimals. */
export function decimal2(x) {
  return isNumber(x) ? twoDecimals.format(x) : DASH;
}

/** A share in 0..1 as a percentage with one decimal. */
export function percent(x) {
  return isNumber(x) ? `${oneDecimal.format(x * 100)} %` : DASH;
}

/** A weight such as 14 or 14.0: as an integer when it is one. */
export function weight(x) {
  if (!isNumber(x)) return DASH;
  return Number.isInteger(x) ? integer.format(x) : oneDecimal.format(x);
}

/** A Date from RFC 3339; fractions beyond milliseconds are cut (not every engine reads nanoseconds). */
export function parseTime(value) {
  return new Date(String(value).replace(/(\.\d{3})\d+/, '$1'));
}

/** YYYY-MM-DD from a calendar date or an RFC 3339 timestamp (in UTC). */
export function date(value) {
  if (!value) return DASH;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = parseTime(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().slice(0, 10);
}

/** YYYY-MM-DD HH:MM UTC from an RFC 3339 timestamp. */
export function dateTime(value) {
  if (!value) return DASH;
  const d = parseTime(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** How long ago a timestamp was: "4 min ago", "3 h ago", "2 days ago". */
export function age(value, now = Date.now()) {
  if (!value) return DASH;
  const seconds = Math.max(0, (now - parseTime(value).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return DASH;
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} days ago`;
}

export function durationMs(ms) {
  if (!isNumber(ms)) return DASH;
  return ms < 1000 ? `${integer.format(ms)} ms` : `${oneDecimal.format(ms / 1000)} s`;
}

const FACTOR_NAMES = {
  age: 'Age',
  shipType: 'Ship type',
  flag: 'Flag',
  classSociety: 'Class society',
  company: 'Company (ISM)',
  detentions: 'Detentions',
  deficiencies: 'Deficiencies',
  incidents: 'Incidents',
  lossRatio: 'Loss ratio',
  listedAreas: 'Listed areas',
  darkActivity: 'Dark activity',
};

export function factorName(key) {
  return FACTOR_NAMES[key] || key;
}

const FLOOR_NAMES = {
  sanctioned: 'Sanctioned',
  bannedListed: 'On a banned list',
  detentions24m: '3 or more detentions in 24 months',
};

export function floorName(rule) {
  return FLOOR_NAMES[rule] || rule;
}

const SRP_NAMES = { HRS: 'High risk ship', SRS: 'Standard risk ship', LRS: 'Low risk ship' };

export function srpName(profile) {
  return SRP_NAMES[profile] || profile;
}

/** snake_case enum values for people: bulk_carrier -> bulk carrier. */
export function words(value) {
  return value === null || value === undefined ? DASH : String(value).replace(/_/g, ' ');
}

export function levelName(level) {
  return level ? level[0].toUpperCase() + level.slice(1) : 'Not scored';
}

export function yesNo(value) {
  return value ? 'yes' : 'no';
}
