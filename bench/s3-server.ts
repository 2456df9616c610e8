// The object store of the bench's create scenario: s3rver (paste-svc's test S3 endpoint, startTestS3) in a
// process of its own, so its CPU is measured apart from the mesh's and the bench's. Sends the settings
// paste-svc needs (CONTENT_STORE and the AWS_* variables) over IPC once it answers; SIGTERM removes its files.
import { startTestS3 } from '../paste-svc/src/testing/s3.js';

const s3 = await startTestS3('bench');
process.send?.({ ready: true, env: s3.env });
process.on('SIGTERM', () => void s3.cleanup().then(() => process.exit(0)));
