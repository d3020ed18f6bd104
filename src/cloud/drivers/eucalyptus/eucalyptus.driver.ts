import { AmazonDriver } from '../amazon/amazon.driver';

/**
 * Eucalyptus, and any other private cloud speaking the EC2 Query API: the amazon driver, constructed
 * with an endpoint built from host, port, secure and path (see eucalyptus-options.ts).
 */
export class EucalyptusDriver extends AmazonDriver {
  override readonly engine: string = 'eucalyptus';
}
