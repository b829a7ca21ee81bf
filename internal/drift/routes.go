package drift

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
)

// ListKeysAPI is the KeyValueStore data-plane call the route reader needs;
// *cloudfrontkeyvaluestore.Client satisfies it.
type ListKeysAPI interface {
	ListKeys(ctx context.Context, in *cloudfrontkeyvaluestore.ListKeysInput, opts ...func(*cloudfrontkeyvaluestore.Options)) (*cloudfrontkeyvaluestore.ListKeysOutput, error)
}

// KVSRoutes reads a KeyValueStore's entries through the data plane.
type KVSRoutes struct{ Client ListKeysAPI }

// NewKVSRoutes returns a route reader over client.
func NewKVSRoutes(client ListKeysAPI) KVSRoutes { return KVSRoutes{Client: client} }

// listPage is the largest ListKeys page AWS serves.
const listPage = 50

// ListRoutes implements RouteLister: every key and value of the store.
func (k KVSRoutes) ListRoutes(ctx context.Context, kvsARN string) (map[string]string, error) {
	got := map[string]string{}
	p := cloudfrontkeyvaluestore.NewListKeysPaginator(k.Client, &cloudfrontkeyvaluestore.ListKeysInput{KvsARN: aws.String(kvsARN), MaxResults: aws.Int32(listPage)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range out.Items {
			got[aws.ToString(it.Key)] = aws.ToString(it.Value)
		}
	}
	return got, nil
}
