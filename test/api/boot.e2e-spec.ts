import { createApp } from '../../src/app.factory';
import { ConfigError } from '../../src/config/config-error';

/** A wrong configuration stops the service at boot with a message naming the cloud and the field. */
describe('boot-time configuration checks', () => {
  async function boot(settings: unknown): Promise<unknown> {
    try {
      const app = await createApp({ settings, logger: false });
      await app.init();
      await app.close();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it('names the engines that exist when one is unknown', async () => {
    const error = await boot({
      clouds: { default: { engine: 'dummy' }, lab: { engine: 'nebula', password: 'pw-SECRET' } },
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/clouds\.lab\.engine: unknown engine "nebula"; engines: .*dummy/);
    expect((error as Error).message).not.toContain('pw-SECRET');
  });

  it('names the field of an engine-specific mistake', async () => {
    const error = await boot({ clouds: { default: { engine: 'dummy', extraParams: { nodes: 'many' } } } });
    expect((error as Error).message).toMatch(/clouds\.default\.extraParams\.nodes/);
  });

  it('refuses a farm without a clear default', async () => {
    const error = await boot({ clouds: { a: { engine: 'dummy' }, b: { engine: 'dummy' } } });
    expect((error as Error).message).toMatch(/no default cloud/);
  });

  it('boots the shipped configuration', async () => {
    expect(await boot({ clouds: { default: { engine: 'dummy', extraParams: { nodes: 3 } } } })).toBeUndefined();
  });
});
