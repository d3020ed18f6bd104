import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Settings } from '../config/settings.schema';
import { KyselyStateStore } from './kysely-state-store';
import { STATE_STORE } from './state-store';
import type { StateStore } from './state-store';

/** This process's identity in leases and claims: unique per start, readable in the store. */
export const REPLICA_ID = Symbol('REPLICA_ID');

@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(STATE_STORE) private readonly store: StateStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * The state store, opened and migrated before anything else starts: a store that cannot be reached
 * or migrated stops the boot with a clear error instead of serving writes it cannot record.
 */
@Global()
@Module({
  providers: [
    {
      provide: STATE_STORE,
      inject: [ConfigService],
      useFactory: async (config: ConfigService): Promise<StateStore> => {
        const { state } = config.getOrThrow<Settings>('settings');
        const store = new KyselyStateStore(state);
        try {
          await store.migrate();
        } catch (error) {
          await store.close().catch(() => undefined);
          throw error;
        }
        new Logger('Store').log(
          state.url ? 'state store: PostgreSQL (migrated)' : `state store: SQLite ${state.path} (migrated)`,
        );
        return store;
      },
    },
    {
      provide: REPLICA_ID,
      useFactory: () => `${hostname().slice(0, 32)}-${process.pid}-${randomBytes(4).toString('hex')}`,
    },
    StoreCloser,
  ],
  exports: [STATE_STORE, REPLICA_ID],
})
export class StoreModule {}
