package iamcheck

import "strings"

// S3 (SAR "Amazon S3"): object ARNs arn:aws:s3:::bucket/key; a versioned read is
// s3:GetObjectVersion, HeadObject is authorized as the read.
func (b *builder) s3() bool {
	bucket, key, version := b.in("Bucket"), b.in("Key"), b.in("VersionId")
	object := "arn:" + b.a.Partition + ":s3:::" + bucket + "/" + key
	switch b.c.Operation {
	case "GetObject", "HeadObject":
		if version != "" {
			b.add("s3:GetObjectVersion", object)
		} else {
			b.add("s3:GetObject", object)
		}
	case "PutObject":
		b.add("s3:PutObject", object, b.tagged())
	case "DeleteObject":
		if version != "" {
			b.add("s3:DeleteObjectVersion", object)
		} else {
			b.add("s3:DeleteObject", object)
		}
	case "ListObjectsV2", "ListObjects":
		b.add("s3:ListBucket", "arn:"+b.a.Partition+":s3:::"+bucket)
	case "ListObjectVersions":
		b.add("s3:ListBucketVersions", "arn:"+b.a.Partition+":s3:::"+bucket)
	default:
		return false
	}
	return true
}

// DynamoDB: table ARNs; BatchGetItem is authorized per table.
func (b *builder) dynamodb() bool {
	tables := []string{b.in("TableName")}
	switch b.c.Operation {
	case "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan":
	case "BatchGetItem", "BatchWriteItem":
		tables = mapKeys(b.c.Input, "RequestItems")
	default:
		return false
	}
	for _, t := range tables {
		b.add("dynamodb:"+b.c.Operation, b.arn("dynamodb", b.c.Region, "table/"+t))
	}
	return true
}

// Step Functions: StartExecution on the state machine, Describe on the execution.
func (b *builder) sfn() bool {
	switch b.c.Operation {
	case "StartExecution", "ListExecutions":
		b.add("states:"+b.c.Operation, b.in("StateMachineArn"))
	case "DescribeExecution", "StopExecution":
		b.add("states:"+b.c.Operation, b.in("ExecutionArn"))
	default:
		return false
	}
	return true
}

// SSM: parameter ARNs arn:aws:ssm:region:account:parameter/<name without leading />.
func (b *builder) ssm() bool {
	names := []string{b.in("Name")}
	switch b.c.Operation {
	case "GetParameter":
	case "GetParameters":
		names = fields(b.c.Input, "Names")
	default:
		return false
	}
	for _, n := range names {
		arn := n
		if !strings.HasPrefix(n, "arn:") {
			arn = b.arn("ssm", b.c.Region, "parameter/"+strings.TrimPrefix(n, "/"))
		}
		b.add("ssm:"+b.c.Operation, arn)
	}
	return true
}
