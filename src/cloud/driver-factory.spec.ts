import { ConfigError } from '../config/config-error';
import { DriverFactory } from './driver-factory';
import { DummyDriver } from './drivers/dummy/dummy.driver';
import { dummyDefinition } from './drivers/dummy/dummy.module';

describe('DriverFactory', () => {
  let factory: DriverFactory;
  beforeEach(() => {
    factory = new DriverFactory();
    factory.register(dummyDefinition);
  });

  it('builds the driver registered for the engine, with validated options', async () => {
    const driver = factory.create('demo', { engine: 'dummy', timeoutMs: 1000, extraParams: { nodes: 2 } });
    expect(driver).toBeInstanceOf(DummyDriver);
    expect((await driver.listNodes({ limit: 10 })).items).toHaveLength(2);
  });

  it('names the engines that exist when the engine is unknown', () => {
    expect(() => factory.create('lab', { engine: 'nebula', timeoutMs: 1000, extraParams: {} })).toThrow(
      'clouds.lab.engine: unknown engine "nebula"; engines: dummy',
    );
  });

  it('reports engine-specific mistakes with the cloud and field', () => {
    const attempt = () => factory.create('demo', { engine: 'dummy', timeoutMs: 1000, extraParams: { nodes: -1 } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/clouds\.demo\.extraParams\.nodes/);
    expect(() => factory.create('demo', { engine: 'dummy', timeoutMs: 1000, extraParams: { node: 1 } })).toThrow(
      /node/,
    );
  });

  it('refuses to register an engine twice', () => {
    expect(() => factory.register(dummyDefinition)).toThrow(/registered twice/);
  });

  it('lists engines sorted', () => {
    factory.register({ ...dummyDefinition, engine: 'another' });
    expect(factory.engines()).toEqual(['another', 'dummy']);
  });
});
