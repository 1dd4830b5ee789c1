package bucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// azureService is where an azblob:// URL points: the environment's
// defaults (AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_DOMAIN,
// AZURE_STORAGE_PROTOCOL, AZURE_STORAGE_IS_CDN,
// AZURE_STORAGE_IS_LOCAL_EMULATOR, AZURE_STORAGE_SAS_TOKEN, the account
// and protocol of AZURE_STORAGE_CONNECTION_STRING) overridden by the
// URL's options, as gocloud.dev's azblob driver took them.
type azureService struct {
	account, domain, protocol, sas string
	cdn, emulator                  bool
}

func azureDefaults() azureService {
	s := azureService{
		account:  os.Getenv("AZURE_STORAGE_ACCOUNT"),
		domain:   os.Getenv("AZURE_STORAGE_DOMAIN"),
		protocol: os.Getenv("AZURE_STORAGE_PROTOCOL"),
		sas:      os.Getenv("AZURE_STORAGE_SAS_TOKEN"),
	}
	s.cdn, _ = strconv.ParseBool(os.Getenv("AZURE_STORAGE_IS_CDN"))
	s.emulator, _ = strconv.ParseBool(os.Getenv("AZURE_STORAGE_IS_LOCAL_EMULATOR"))
	for part := range strings.SplitSeq(azureConnectionString(), ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.Contains(v, "=") {
			continue
		}
		if k == "AccountName" && s.account == "" {
			s.account = v
		} else if k == "DefaultEndpointsProtocol" && s.protocol == "" {
			s.protocol = v
		}
	}
	return s
}

func azureConnectionString() string {
	if s := os.Getenv("AZURE_STORAGE_CONNECTION_STRING"); s != "" {
		return s
	}
	return os.Getenv("AZURE_STORAGEBLOB_CONNECTIONSTRING")
}

func (s azureService) with(q url.Values) (azureService, error) {
	if err := onlyOptions(q, "domain", "protocol", "cdn", "localemu", "storage_account"); err != nil {
		return s, err
	}
	var err error
	for k, v := range q {
		switch k {
		case "domain":
			s.domain = v[0]
		case "protocol":
			s.protocol = v[0]
		case "cdn":
			s.cdn, err = strconv.ParseBool(v[0])
		case "localemu":
			s.emulator, err = strconv.ParseBool(v[0])
		case "storage_account":
			s.account = v[0]
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// url is the service's URL: <protocol>://<account>.<domain>, or
// <protocol>://<domain>/<account> for the emulator (also when the
// domain is 127.0.0.1 or localhost), or <protocol>://<domain> for a CDN;
// the SAS token, if any, as its query.
func (s azureService) url() (string, error) {
	if s.account == "" {
		return "", errors.New("azblob: no storage account (AZURE_STORAGE_ACCOUNT or storage_account=)")
	}
	domain := s.domain
	if domain == "" {
		domain = "blob.core.windows.net"
	}
	protocol := s.protocol
	if protocol == "" {
		protocol = "https"
	} else if protocol != "http" && protocol != "https" {
		return "", fmt.Errorf("invalid protocol %q", protocol)
	}
	var u string
	switch {
	case strings.HasPrefix(domain, "127.0.0.1") || strings.HasPrefix(domain, "localhost") || s.emulator:
		u = protocol + "://" + domain + "/" + s.account
	case s.cdn:
		u = protocol + "://" + domain
	default:
		u = protocol + "://" + s.account + "." + domain
	}
	if s.sas != "" {
		u += "?" + s.sas
	}
	return u, nil
}

// openAzure opens a container with the first credentials the environment
// has: AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY (shared key), else
// AZURE_STORAGE_SAS_TOKEN (in the URL), else
// AZURE_STORAGE_CONNECTION_STRING, else azidentity's
// DefaultAzureCredential.
func openAzure(l location) (Bucket, error) {
	def := azureDefaults()
	s, err := def.with(l.query)
	if err != nil {
		return nil, err
	}
	svc, err := s.url()
	if err != nil {
		return nil, err
	}
	if def.sas != "" {
		// The token is part of the service URL: the URL's options
		// must not send it to another origin.
		d, err := def.url()
		if err != nil {
			return nil, err
		}
		if !sameOrigin(d, svc) {
			return nil, errors.New("azblob: bucket URL cannot change the service endpoint when AZURE_STORAGE_SAS_TOKEN is set")
		}
	}
	curl, err := url.JoinPath(svc, l.host)
	if err != nil {
		return nil, err
	}
	account, key := os.Getenv("AZURE_STORAGE_ACCOUNT"), os.Getenv("AZURE_STORAGE_KEY")
	var c *container.Client
	switch cs := azureConnectionString(); {
	case account != "" && key != "":
		cred, err := azblob.NewSharedKeyCredential(account, key)
		if err != nil {
			return nil, err
		}
		c, err = container.NewClientWithSharedKeyCredential(curl, cred, nil)
		if err != nil {
			return nil, err
		}
	case def.sas != "":
		c, err = container.NewClientWithNoCredential(curl, nil)
	case cs != "":
		c, err = container.NewClientFromConnectionString(cs, l.host, nil)
	default:
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return nil, cerr
		}
		c, err = container.NewClient(curl, cred, nil)
	}
	if err != nil {
		return nil, err
	}
	return &azureBucket{c: c, prefix: l.prefix}, nil
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

type azureBucket struct {
	c      *container.Client
	prefix string
}

// azureErr marks the SDK's 404s (no blob, no container) as fs.ErrNotExist.
func azureErr(err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return notExist{err}
	}
	return err
}

func (b *azureBucket) Close() error { return nil }

func (b *azureBucket) List(ctx context.Context, prefix string) ([]Object, error) {
	p := b.prefix + prefix
	pager := b.c.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &p})
	var out []Object
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			sortObjects(out)
			return out, azureErr(err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil {
				continue
			}
			o := Object{Key: strings.TrimPrefix(*it.Name, b.prefix)}
			if pr := it.Properties; pr != nil {
				if pr.ContentLength != nil {
					o.Size = *pr.ContentLength
				}
				if pr.LastModified != nil {
					o.ModTime = *pr.LastModified
				}
			}
			out = append(out, o)
		}
	}
	sortObjects(out)
	return out, nil
}

func (b *azureBucket) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	resp, err := b.c.NewBlobClient(b.prefix+key).DownloadStream(ctx, nil)
	if err != nil {
		return nil, azureErr(err)
	}
	return resp.Body, nil
}

func (b *azureBucket) ReadAll(ctx context.Context, key string) ([]byte, error) {
	r, err := b.NewReader(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func headers(contentType string) *blob.HTTPHeaders {
	if contentType == "" {
		return nil
	}
	return &blob.HTTPHeaders{BlobContentType: &contentType}
}

func (b *azureBucket) WriteAll(ctx context.Context, key string, data []byte, contentType string) error {
	_, err := b.c.NewBlockBlobClient(b.prefix+key).UploadBuffer(ctx, data, &blockblob.UploadBufferOptions{HTTPHeaders: headers(contentType)})
	return azureErr(err)
}

func (b *azureBucket) NewWriter(ctx context.Context, key, contentType string, blockSize int) (Writer, error) {
	bb := b.c.NewBlockBlobClient(b.prefix + key)
	opts := &blockblob.UploadStreamOptions{BlockSize: int64(blockSize), Concurrency: 1, HTTPHeaders: headers(contentType)}
	return startPipe(ctx, func(ctx context.Context, r io.Reader) error {
		_, err := bb.UploadStream(ctx, r, opts)
		return err
	}), nil
}

// Copy starts a server-side copy and waits for it.
func (b *azureBucket) Copy(ctx context.Context, dst, src string) error {
	d := b.c.NewBlobClient(b.prefix + dst)
	resp, err := d.StartCopyFromURL(ctx, b.c.NewBlobClient(b.prefix+src).URL(), nil)
	if err != nil {
		return azureErr(err)
	}
	status, fails := blob.CopyStatusTypePending, 0
	if resp.CopyStatus != nil {
		status = *resp.CopyStatus
	}
	for status == blob.CopyStatusTypePending {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		p, err := d.GetProperties(ctx, nil)
		if err != nil {
			if fails++; fails == 3 { // a failure may be transient
				return azureErr(err)
			}
			continue
		}
		if p.CopyStatus != nil {
			status = *p.CopyStatus
		}
	}
	if status != blob.CopyStatusTypeSuccess {
		return fmt.Errorf("copy failed with status %s", status)
	}
	return nil
}

func (b *azureBucket) Delete(ctx context.Context, key string) error {
	_, err := b.c.NewBlobClient(b.prefix+key).Delete(ctx, nil)
	return azureErr(err)
}
