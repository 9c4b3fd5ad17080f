import type { CustodianProfile, EmsProfile } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { fromJsonText, nowIso, stmt, toJsonText, writeTransaction, type Db } from './internal';

interface CustodianRow {
  name: string;
  headerSignature: string | null;
  mapping: string;
  options: string;
}

type CustodianOptions = Pick<CustodianProfile, 'delimiter' | 'encoding' | 'numberConvention' | 'dateFormat'>;

function toCustodianProfile(row: CustodianRow): CustodianProfile {
  const options = fromJsonText(row.options) as Partial<CustodianOptions>;
  return {
    name: row.name,
    headerSignature: row.headerSignature,
    mapping: fromJsonText(row.mapping) as CustodianProfile['mapping'],
    delimiter: options.delimiter ?? null,
    encoding: options.encoding ?? null,
    numberConvention: options.numberConvention ?? null,
    dateFormat: options.dateFormat ?? null,
  };
}

const CUSTODIAN_COLUMNS = 'name, header_signature AS headerSignature, mapping, options';

/** Saved custodian CSV column mappings, found again by name or by the header they were made for. */
export class CustodianProfilesRepo {
  constructor(private readonly db: Db) {}

  /**
   * Creates or replaces the profile with this name. A header signature already claimed by another
   * profile is BAD_INPUT: the next file of that shape could not pick one automatically.
   */
  save(input: CustodianProfile): CustodianProfile {
    // An empty signature would match every headerless file: it means "no automatic use".
    const profile = { ...input, headerSignature: input.headerSignature?.trim() ? input.headerSignature.trim() : null };
    return writeTransaction(this.db, () => {
      if (profile.headerSignature !== null) {
        const owner = this.findBySignature(profile.headerSignature);
        if (owner && owner.name !== profile.name) {
          throw new BallastError('BAD_INPUT', `Profile "${owner.name}" is already used for files with this header; edit that profile or delete it first.`, {
            profile: owner.name,
          });
        }
      }
      const options: CustodianOptions = {
        delimiter: profile.delimiter,
        encoding: profile.encoding,
        numberConvention: profile.numberConvention,
        dateFormat: profile.dateFormat,
      };
      const now = nowIso();
      const row = stmt(
        this.db,
        `INSERT INTO custodian_profiles (name, header_signature, mapping, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET header_signature = excluded.header_signature, mapping = excluded.mapping,
           options = excluded.options, updated_at = excluded.updated_at
         RETURNING ${CUSTODIAN_COLUMNS}`,
      ).get(profile.name, profile.headerSignature, toJsonText(profile.mapping), toJsonText(options), now, now) as CustodianRow;
      return toCustodianProfile(row);
    });
  }

  get(name: string): CustodianProfile | null {
    const row = stmt(this.db, `SELECT ${CUSTODIAN_COLUMNS} FROM custodian_profiles WHERE name = ?`).get(name) as CustodianRow | undefined;
    return row ? toCustodianProfile(row) : null;
  }

  findBySignature(headerSignature: string): CustodianProfile | null {
    const row = stmt(this.db, `SELECT ${CUSTODIAN_COLUMNS} FROM custodian_profiles WHERE header_signature = ?`).get(headerSignature) as
      | CustodianRow
      | undefined;
    return row ? toCustodianProfile(row) : null;
  }

  /** Ordered by name. */
  list(): CustodianProfile[] {
    return (stmt(this.db, `SELECT ${CUSTODIAN_COLUMNS} FROM custodian_profiles ORDER BY name`).all() as CustodianRow[]).map(toCustodianProfile);
  }

  delete(name: string): boolean {
    return stmt(this.db, 'DELETE FROM custodian_profiles WHERE name = ?').run(name).changes > 0;
  }
}

interface EmsRow {
  name: string;
  definition: string;
}

const toEmsProfile = (row: EmsRow): EmsProfile => ({ ...(fromJsonText(row.definition) as Omit<EmsProfile, 'name'>), name: row.name });

/** CSV basket layouts per EMS: column names and order, delimiter, order defaults. */
export class EmsProfilesRepo {
  constructor(private readonly db: Db) {}

  save(profile: EmsProfile): EmsProfile {
    const { name, ...definition } = profile;
    const now = nowIso();
    const row = stmt(
      this.db,
      `INSERT INTO ems_profiles (name, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
       RETURNING name, definition`,
    ).get(name, toJsonText(definition), now, now) as EmsRow;
    return toEmsProfile(row);
  }

  get(name: string): EmsProfile | null {
    const row = stmt(this.db, 'SELECT name, definition FROM ems_profiles WHERE name = ?').get(name) as EmsRow | undefined;
    return row ? toEmsProfile(row) : null;
  }

  /** Ordered by name. */
  list(): EmsProfile[] {
    return (stmt(this.db, 'SELECT name, definition FROM ems_profiles ORDER BY name').all() as EmsRow[]).map(toEmsProfile);
  }

  delete(name: string): boolean {
    return stmt(this.db, 'DELETE FROM ems_profiles WHERE name = ?').run(name).changes > 0;
  }
}
