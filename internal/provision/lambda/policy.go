package lambda

import "github.com/berth-dev/berth/internal/lambdapolicy"

// statement is one resource policy statement, reduced to what berth checks.
type statement = lambdapolicy.Statement

// parseStatements decodes a GetPolicy document, in Lambda's form or moto's. An empty
// document has no statements.
func parseStatements(doc string) ([]statement, error) {
	return lambdapolicy.Parse(doc)
}
