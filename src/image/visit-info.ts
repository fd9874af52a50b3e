/**
 * `VisitInfo`: the observation metadata afw writes into an Exposure's primary header (VisitInfo.cc's
 * keys): exposure and dark time, mid-exposure date, boresight, rotation, observatory, weather and
 * bookkeeping. As in afw, an unknown double is NaN and an unknown string is "", and neither is
 * written; ROTTYPE and HAS-SIMULATED-CONTENT are always written.
 */
import { ImageFormatError, InvalidTimeError } from "../errors/index.ts";
import { type Card, normalizeKey } from "../fits/card.ts";
import { type Header, makeCard } from "../fits/header.ts";
import { DateTime } from "../time/index.ts";

export type RotType = "UNKNOWN" | "SKY" | "HORIZON" | "MOUNT";
const ROT_TYPES: readonly RotType[] = ["UNKNOWN", "SKY", "HORIZON", "MOUNT"];

export interface Observatory {
  /** East longitude, degrees. */
  longitude: number;
  /** Latitude, degrees. */
  latitude: number;
  /** Elevation, metres. */
  elevation: number;
}

export interface Weather {
  /** °C. */
  airTemperature: number;
  /** Pascals. */
  airPressure: number;
  /** Percent. */
  humidity: number;
}

export interface VisitInfoFields {
  /** Seconds. */
  exposureTime: number;
  darkTime: number;
  /** Mid-exposure instant. */
  date?: DateTime;
  /** UT1 at mid-exposure, MJD. */
  ut1: number;
  /** Earth rotation angle, degrees. */
  era: number;
  /** ICRS boresight, degrees. */
  boresightRaDec: { ra: number; dec: number };
  /** Refracted apparent topocentric boresight, degrees. */
  boresightAzAlt: { az: number; alt: number };
  boresightAirmass: number;
  /** Degrees. */
  boresightRotAngle: number;
  rotType: RotType;
  observatory: Observatory;
  weather: Weather;
  instrumentLabel: string;
  /** Visit or exposure id; 0 when unknown. */
  id: number;
  /** Millimetres. */
  focusZ: number;
  observationType: string;
  scienceProgram: string;
  observationReason: string;
  object: string;
  hasSimulatedContent: boolean;
}

/** The primary-header keys VisitInfo reads and writes (all stripped from an Exposure's metadata). */
export const VISIT_INFO_KEYS: readonly string[] = [
  "EXPTIME",
  "DARKTIME",
  "DATE-AVG",
  "TIMESYS",
  "TIME-MID",
  "MJD-AVG-UT1",
  "AVG-ERA",
  "BORE-RA",
  "BORE-DEC",
  "BORE-AZ",
  "BORE-ALT",
  "BORE-AIRMASS",
  "BORE-ROTANG",
  "ROTTYPE",
  "OBS-LONG",
  "OBS-LAT",
  "OBS-ELEV",
  "AIRTEMP",
  "AIRPRESS",
  "HUMIDITY",
  "INSTRUMENT",
  "IDNUM",
  "FOCUSZ",
  "OBSTYPE",
  "PROGRAM",
  "REASON",
  "OBJECT",
  "HAS-SIMULATED-CONTENT",
];

const VISIT_INFO_KEY_SET = new Set(VISIT_INFO_KEYS);

/** The VisitInfo field each key becomes (the rest are parts of the date or of a position). */
export const VISIT_INFO_FIELD_OF_KEY: Readonly<Record<string, string>> = {
  EXPTIME: "exposureTime",
  DARKTIME: "darkTime",
  "DATE-AVG": "date",
  "TIME-MID": "date",
  TIMESYS: "date",
  "MJD-AVG-UT1": "ut1",
  "AVG-ERA": "era",
  "BORE-RA": "boresightRaDec",
  "BORE-DEC": "boresightRaDec",
  "BORE-AZ": "boresightAzAlt",
  "BORE-ALT": "boresightAzAlt",
  "BORE-AIRMASS": "boresightAirmass",
  "BORE-ROTANG": "boresightRotAngle",
  ROTTYPE: "rotType",
  "OBS-LONG": "observatory",
  "OBS-LAT": "observatory",
  "OBS-ELEV": "observatory",
  AIRTEMP: "weather",
  AIRPRESS: "weather",
  HUMIDITY: "weather",
  INSTRUMENT: "instrumentLabel",
  IDNUM: "id",
  FOCUSZ: "focusZ",
  OBSTYPE: "observationType",
  PROGRAM: "scienceProgram",
  REASON: "observationReason",
  OBJECT: "object",
  "HAS-SIMULATED-CONTENT": "hasSimulatedContent",
};

export function isVisitInfoKey(key: string): boolean {
  return VISIT_INFO_KEY_SET.has(normalizeKey(key));
}

export class VisitInfo implements VisitInfoFields {
  exposureTime = Number.NaN;
  darkTime = Number.NaN;
  date?: DateTime;
  ut1 = Number.NaN;
  era = Number.NaN;
  boresightRaDec = { ra: Number.NaN, dec: Number.NaN };
  boresightAzAlt = { az: Number.NaN, alt: Number.NaN };
  boresightAirmass = Number.NaN;
  boresightRotAngle = Number.NaN;
  rotType: RotType = "UNKNOWN";
  observatory: Observatory = { longitude: Number.NaN, latitude: Number.NaN, elevation: Number.NaN };
  weather: Weather = { airTemperature: Number.NaN, airPressure: Number.NaN, humidity: Number.NaN };
  instrumentLabel = "";
  id = 0;
  focusZ = Number.NaN;
  observationType = "";
  scienceProgram = "";
  observationReason = "";
  object = "";
  hasSimulatedContent = false;

  constructor(fields: Partial<VisitInfoFields> = {}) {
    Object.assign(this, fields);
  }

  /**
   * Reads the VisitInfo keys of a primary header. The date is DATE-AVG (TAI; a TIMESYS other than
   * TAI is an error, as in afw) or else the legacy TIME-MID (UTC).
   */
  static fromHeader(header: Header, where: { uri?: string; hdu?: number } = {}): VisitInfo {
    const num = (key: string) => header.getNumber(key) ?? numberFromString(header.getString(key));
    const str = (key: string) => header.getString(key)?.trimEnd() ?? "";
    const info = new VisitInfo({
      exposureTime: num("EXPTIME"),
      darkTime: num("DARKTIME"),
      ut1: num("MJD-AVG-UT1"),
      era: num("AVG-ERA"),
      boresightRaDec: { ra: num("BORE-RA"), dec: num("BORE-DEC") },
      boresightAzAlt: { az: num("BORE-AZ"), alt: num("BORE-ALT") },
      boresightAirmass: num("BORE-AIRMASS"),
      boresightRotAngle: num("BORE-ROTANG"),
      observatory: { longitude: num("OBS-LONG"), latitude: num("OBS-LAT"), elevation: num("OBS-ELEV") },
      weather: { airTemperature: num("AIRTEMP"), airPressure: num("AIRPRESS"), humidity: num("HUMIDITY") },
      instrumentLabel: str("INSTRUMENT"),
      id: header.getInteger("IDNUM") ?? 0,
      focusZ: num("FOCUSZ"),
      observationType: str("OBSTYPE"),
      scienceProgram: str("PROGRAM"),
      observationReason: str("REASON"),
      object: str("OBJECT"),
      hasSimulatedContent: header.getBoolean("HAS-SIMULATED-CONTENT") ?? false,
    });
    const rot = str("ROTTYPE").toUpperCase();
    if (rot !== "") {
      if (!(ROT_TYPES as readonly string[]).includes(rot)) {
        throw new ImageFormatError(`ROTTYPE '${rot}' is not one of ${ROT_TYPES.join(", ")}`, where);
      }
      info.rotType = rot as RotType;
    }
    const dateAvg = header.getString("DATE-AVG")?.trim();
    const timeMid = header.getString("TIME-MID")?.trim();
    try {
      if (dateAvg !== undefined && dateAvg !== "") {
        const timesys = header.getString("TIMESYS")?.trim().toUpperCase();
        if (timesys !== undefined && timesys !== "TAI") {
          throw new ImageFormatError(
            `DATE-AVG is given with TIMESYS = '${timesys}'; only TAI is supported`,
            where,
          );
        }
        info.date = DateTime.fromIso(dateAvg, "tai");
      } else if (timeMid !== undefined && timeMid !== "") {
        info.date = DateTime.fromIso(timeMid, "utc");
      }
    } catch (cause) {
      if (cause instanceof InvalidTimeError) {
        throw new ImageFormatError(`VisitInfo date cannot be read: ${cause.message}`, where, { cause });
      }
      throw cause;
    }
    return info;
  }

  /** The header cards afw writes for this VisitInfo (non-finite numbers and empty strings left out). */
  toCards(): Card[] {
    const cards: Card[] = [];
    const f = (key: string, value: number, comment?: string) => {
      if (Number.isFinite(value))
        cards.push(makeCard(key, value, { type: "float", ...(comment ? { comment } : {}) }));
    };
    const s = (key: string, value: string, comment?: string) => {
      if (value !== "") cards.push(makeCard(key, value, comment ? { comment } : {}));
    };
    f("EXPTIME", this.exposureTime);
    f("DARKTIME", this.darkTime);
    if (this.date !== undefined) {
      cards.push(
        makeCard("DATE-AVG", this.date.toIso("tai"), { comment: "TAI date at middle of observation" }),
      );
      cards.push(makeCard("TIMESYS", "TAI"));
    }
    f("MJD-AVG-UT1", this.ut1);
    f("AVG-ERA", this.era);
    f("BORE-RA", this.boresightRaDec.ra);
    f("BORE-DEC", this.boresightRaDec.dec);
    f("BORE-AZ", this.boresightAzAlt.az);
    f("BORE-ALT", this.boresightAzAlt.alt);
    f("BORE-AIRMASS", this.boresightAirmass);
    f("BORE-ROTANG", this.boresightRotAngle);
    cards.push(makeCard("ROTTYPE", this.rotType, { comment: "Type of rotation angle" }));
    f("OBS-LONG", this.observatory.longitude);
    f("OBS-LAT", this.observatory.latitude);
    f("OBS-ELEV", this.observatory.elevation);
    f("AIRTEMP", this.weather.airTemperature);
    f("AIRPRESS", this.weather.airPressure);
    f("HUMIDITY", this.weather.humidity);
    s("INSTRUMENT", this.instrumentLabel, "Short name of the instrument that took this data");
    if (this.id !== 0)
      cards.push(makeCard("IDNUM", this.id, { comment: "identifier of this full focal plane exposure" }));
    f("FOCUSZ", this.focusZ);
    s("OBSTYPE", this.observationType, "type of this observation");
    s("PROGRAM", this.scienceProgram, "observing program (survey or proposal) identifier");
    s("REASON", this.observationReason, "reason this observation was taken, or its purpose");
    s("OBJECT", this.object, "object of interest or field name");
    cards.push(
      makeCard("HAS-SIMULATED-CONTENT", this.hasSimulatedContent, {
        comment: "Was any part of this observation simulated?",
      }),
    );
    return cards;
  }

  /** Field-by-field equality; NaN equals NaN. */
  equals(other: VisitInfo): boolean {
    const a = this.toComparable();
    const b = other.toComparable();
    return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
  }

  private toComparable(): (number | string | boolean | bigint | undefined)[] {
    return [
      this.exposureTime,
      this.darkTime,
      this.date?.nsecs,
      this.ut1,
      this.era,
      this.boresightRaDec.ra,
      this.boresightRaDec.dec,
      this.boresightAzAlt.az,
      this.boresightAzAlt.alt,
      this.boresightAirmass,
      this.boresightRotAngle,
      this.rotType,
      this.observatory.longitude,
      this.observatory.latitude,
      this.observatory.elevation,
      this.weather.airTemperature,
      this.weather.airPressure,
      this.weather.humidity,
      this.instrumentLabel,
      this.id,
      this.focusZ,
      this.observationType,
      this.scienceProgram,
      this.observationReason,
      this.object,
      this.hasSimulatedContent,
    ];
  }
}

/** Old files may hold a number as a string (e.g. EXPTIME = '30.0'). */
function numberFromString(text: string | undefined): number {
  if (text === undefined) return Number.NaN;
  const value = Number(text.trim());
  return text.trim() === "" || !Number.isFinite(value) ? Number.NaN : value;
}
