import { DriverFactory } from '../../driver-factory';
import { AmazonDriver } from './amazon.driver';
import { amazonDefinition } from './amazon.module';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRETKEY';

describe('amazon settings', () => {
  const factory = new DriverFactory();
  factory.register(amazonDefinition);
  const build = (settings: Record<string, unknown>) =>
    factory.create('aws', { engine: 'amazon', timeoutMs: 1000, extraParams: {}, ...settings });

  it('takes the key id from user, the secret from password, and region/endpoint from extraParams', async () => {
    const parsed = amazonDefinition.options.parse({
      engine: 'amazon',
      user: 'AKIDEXAMPLE',
      password: SECRET,
      timeoutMs: 1000,
      extraParams: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9' },
    });
    expect(parsed).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: SECRET,
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
      imageOwners: ['self'],
    });
    const driver = build({ user: 'AKIDEXAMPLE', password: SECRET, extraParams: { region: 'eu-west-1' } });
    expect(driver).toBeInstanceOf(AmazonDriver);
    expect(driver.engine).toBe('amazon');
    await driver.close();
  });

  it.each([
    [
      { password: SECRET, extraParams: { region: 'eu-west-1' } },
      /clouds\.aws\.user: user \(the access key id\) is required/,
    ],
    [
      { user: 'AKID', extraParams: { region: 'eu-west-1' } },
      /clouds\.aws\.password: password \(the secret access key\) is required/,
    ],
    [{ user: 'AKID', password: SECRET, extraParams: {} }, /clouds\.aws\.extraParams\.region: region is required/],
    [
      { user: 'AKID', password: SECRET, extraParams: { region: 'EU West' } },
      /clouds\.aws\.extraParams\.region: region must be a region name/,
    ],
    [
      { user: 'AKID', password: SECRET, extraParams: { region: 'eu-west-1', endpoint: 'ec2.example' } },
      /clouds\.aws\.extraParams\.endpoint: endpoint must be an http\(s\) URL/,
    ],
    [
      { user: 'AKID', password: SECRET, extraParams: { region: 'eu-west-1', zone: 'a' } },
      /clouds\.aws\.extraParams: .*zone/,
    ],
  ])('refuses %j naming the field, never the secret', (settings, message) => {
    let error: Error | undefined;
    try {
      build(settings);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain(SECRET);
  });
});
