// Globals the CloudFront Functions runtime provides that @types/aws-cloudfront-function
// does not declare. Only what router.js uses.
declare var console: { log(...data: unknown[]): void };
