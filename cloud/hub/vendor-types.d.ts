// aedes-persistence-level ships no types; the endpoint only constructs it and hands it to aedes.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  export default class AsyncLevelPersistence {
    /** A Level instance (level >= 9). */
    constructor(db: object);
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
}
