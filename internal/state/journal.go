package state

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Phase says whether an entry was written before or after the mutation ran. A "before"
// without its "after" means the step may have partly happened: compensation must
// Observe before undoing.
type Phase string

const (
	PhaseBefore Phase = "before"
	PhaseAfter  Phase = "after"
)

// JournalEntry records one mutating step so compensation can undo exactly it: delete what
// was created, restore Previous for what was updated or deleted.
// Resources carry plan props, which hold secret references and fingerprints, never secret
// values; callers must not put resolved secrets here.
type JournalEntry struct {
	// Seq orders entries (Unix nanoseconds of At, bumped on collision). Set by
	// AppendJournal and returned by Journal; ignored on input unless non-zero.
	Seq    int64       `json:"-"`
	At     time.Time   `json:"at"`
	StepID string      `json:"stepId"`
	Kind   plan.Kind   `json:"kind"`
	Action plan.Action `json:"action"` // plan.Create, plan.Update or plan.Delete
	Phase  Phase       `json:"phase"`
	// Resource is the desired resource the step applied.
	Resource plan.Resource `json:"resource"`
	// Previous is what an update or delete replaced.
	Previous        *plan.Resource    `json:"previous,omitempty"`
	PreviousOutputs provision.Outputs `json:"previousOutputs,omitempty"`
	Outputs         provision.Outputs `json:"outputs,omitempty"`
}

func journalPrefix(id string) string { return deploySK(id) + "#J#" }

// maxJournalCollisions bounds the Seq bumps on a key collision. Collisions need two
// entries stamped with the same nanosecond; more than a few in a row is a bug.
const maxJournalCollisions = 16

// AppendJournal writes an entry after every earlier one of the deployment. The key is
// the entry's time in nanoseconds (then the step id), written only if absent: when two
// entries collide, the later writer takes the next nanosecond; an identical entry already
// there (a retried append) is success, not a duplicate. Entries over 300 KB of JSON are
// stored in S3 with a pointer in the item.
func (s *Store) AppendJournal(ctx context.Context, app, stage, id string, e JournalEntry) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	e, seq, body, err := journalRecord(id, e, s.now())
	if err != nil {
		return err
	}
	attrs, err := s.docAttrs(ctx, fmt.Sprintf("deployments/%s/%s/%s/journal/", app, stage, id), body)
	if err != nil {
		return err
	}
	pk := appPK(app, stage)
	for range maxJournalCollisions {
		item := key(pk, fmt.Sprintf("%s%0*d#%s", journalPrefix(id), nanosWidth, seq, e.StepID))
		item[attrType] = str("journal")
		item["stepId"] = str(e.StepID)
		item["phase"] = str(string(e.Phase))
		item["action"] = str(string(e.Action))
		for k, v := range attrs {
			item[k] = v
		}
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           &s.table,
			Item:                                item,
			ConditionExpression:                 ptr("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return nil
		}
		failed, old := isConditionFailed(err)
		if !failed {
			return fmt.Errorf("state: append journal %s: %w", e.StepID, err)
		}
		if sameDoc(old, attrs) {
			return nil
		}
		seq++
	}
	return fmt.Errorf("state: append journal %s: %d key collisions in a row", e.StepID, maxJournalCollisions)
}

func sameDoc(item, attrs map[string]types.AttributeValue) bool {
	if ref := getS(attrs, attrRef); ref != "" {
		return getS(item, attrRef) == ref
	}
	return getS(item, attrDoc) == getS(attrs, attrDoc) && getS(item, attrRef) == ""
}

// Journal returns a deployment's entries in append order (oldest first); compensation
// walks it backwards.
func (s *Store) Journal(ctx context.Context, app, stage, id string) ([]JournalEntry, error) {
	if err := checkDeployment(app, stage, id); err != nil {
		return nil, err
	}
	prefix := journalPrefix(id)
	items, err := s.queryAll(ctx, appPK(app, stage), prefix)
	if err != nil {
		return nil, err
	}
	entries := make([]JournalEntry, 0, len(items))
	for _, it := range items {
		sk := getS(it, attrSK)
		body, err := s.docBody(ctx, it)
		if err != nil {
			return nil, err
		}
		var e JournalEntry
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("state: journal item %s: %w", sk, err)
		}
		seqPart, _, _ := strings.Cut(strings.TrimPrefix(sk, prefix), "#")
		if e.Seq, err = strconv.ParseInt(seqPart, 10, 64); err != nil {
			return nil, fmt.Errorf("state: journal item %s: bad sequence: %w", sk, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// journalRecord is an entry as every store keeps it: stamped with now when it has no
// time, its sequence (the entry's, else its time in nanoseconds) and its JSON.
func journalRecord(id string, e JournalEntry, now time.Time) (JournalEntry, int64, []byte, error) {
	if e.StepID == "" {
		return e, 0, nil, fmt.Errorf("state: deployment %s: journal entry without a step id", id)
	}
	if e.At.IsZero() {
		e.At = now
	}
	seq := e.Seq
	if seq == 0 {
		seq = unixNanos(e.At)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return e, 0, nil, fmt.Errorf("state: encode journal entry %s: %w", e.StepID, err)
	}
	return e, seq, body, nil
}
