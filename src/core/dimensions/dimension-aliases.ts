/**
 * Names people bring from other systems (FITS headers, Gen2 butler data IDs, other archives) for
 * dimensions that have another name here; "did you mean" offers these even when the spelling is far.
 */
export const DIMENSION_ALIASES: Readonly<Record<string, readonly string[]>> = {
  filter: ["band", "physical_filter"],
  filtername: ["band", "physical_filter"],
  ccd: ["detector"],
  ccdnum: ["detector"],
  sensor: ["detector"],
  expid: ["exposure"],
  expnum: ["exposure"],
  exp: ["exposure"],
  dayobs: ["day_obs"],
  night: ["day_obs"],
};
