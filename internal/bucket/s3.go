package bucket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// s3MinPart is S3's smallest part of a multipart upload but the last.
const s3MinPart = 5 << 20

// openS3 opens a bucket with the AWS SDK's default configuration chain
// (AWS_ACCESS_KEY_ID…, AWS_PROFILE, ~/.aws, web identity (IRSA), SSO,
// instance and container roles) and the URL's options: region, endpoint
// (a compatible store), profile, use_path_style (or s3ForcePathStyle),
// disable_https, dualstack, fips, anonymous.
func openS3(ctx context.Context, l location) (Bucket, error) {
	q := l.query
	if err := onlyOptions(q, "region", "endpoint", "profile", "use_path_style", "s3ForcePathStyle", "disable_https", "dualstack", "fips", "anonymous"); err != nil {
		return nil, err
	}
	opts := []func(*config.LoadOptions) error{
		// Retries are not rationed: a batch's many requests would run the
		// standard retryer's token bucket dry.
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
		}),
	}
	if v := q.Get("region"); v != "" {
		opts = append(opts, config.WithRegion(v))
	}
	if v := q.Get("profile"); v != "" {
		opts = append(opts, config.WithSharedConfigProfile(v))
	}
	if v := q.Get("endpoint"); v != "" {
		opts = append(opts, config.WithBaseEndpoint(v))
	}
	var s3opts []func(*s3.Options)
	for _, k := range []string{"dualstack", "fips", "anonymous", "use_path_style", "s3ForcePathStyle", "disable_https"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		on, err := strconv.ParseBool(v)
		if err != nil {
			return nil, errors.New("invalid value for " + k + ": " + err.Error())
		}
		switch {
		case k == "dualstack" && on:
			opts = append(opts, config.WithUseDualStackEndpoint(aws.DualStackEndpointStateEnabled))
		case k == "fips" && on:
			opts = append(opts, config.WithUseFIPSEndpoint(aws.FIPSEndpointStateEnabled))
		case k == "anonymous" && on:
			opts = append(opts, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
		case k == "use_path_style" || k == "s3ForcePathStyle":
			s3opts = append(s3opts, func(o *s3.Options) { o.UsePathStyle = on })
		case k == "disable_https":
			s3opts = append(s3opts, func(o *s3.Options) { o.EndpointOptions.DisableHTTPS = on })
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return &s3Bucket{c: s3.NewFromConfig(cfg, s3opts...), name: l.host, prefix: l.prefix, checksum: cfg.RequestChecksumCalculation}, nil
}

type s3Bucket struct {
	c            *s3.Client
	name, prefix string
	checksum     aws.RequestChecksumCalculation
}

// s3Err marks S3's missing keys and buckets as fs.ErrNotExist.
func s3Err(err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NoSuchBucket", "NotFound":
			return notExist{err}
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return notExist{err}
	}
	return err
}

func (b *s3Bucket) Close() error { return nil }

func (b *s3Bucket) List(ctx context.Context, prefix string) ([]Object, error) {
	p := s3.NewListObjectsV2Paginator(b.c, &s3.ListObjectsV2Input{Bucket: &b.name, Prefix: aws.String(b.prefix + prefix)})
	var out []Object
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			sortObjects(out)
			return out, s3Err(err)
		}
		for _, o := range page.Contents {
			if o.Key == nil {
				continue
			}
			obj := Object{Key: strings.TrimPrefix(*o.Key, b.prefix), Size: aws.ToInt64(o.Size)}
			if o.LastModified != nil {
				obj.ModTime = *o.LastModified
			}
			out = append(out, obj)
		}
	}
	sortObjects(out)
	return out, nil
}

func (b *s3Bucket) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: aws.String(b.prefix + key)})
	if err != nil {
		return nil, s3Err(err)
	}
	return out.Body, nil
}

func (b *s3Bucket) ReadAll(ctx context.Context, key string) ([]byte, error) {
	r, err := b.NewReader(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (b *s3Bucket) WriteAll(ctx context.Context, key string, data []byte, contentType string) error {
	_, err := b.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.name, Key: aws.String(b.prefix + key), Body: bytes.NewReader(data), ContentType: optional(contentType)})
	return s3Err(err)
}

// NewWriter uploads through the SDK's transfer manager: one PUT for an
// object of one part, else a multipart upload (aborted on error) of parts
// of blockSize bytes (at least S3's 5 MiB).
func (b *s3Bucket) NewWriter(ctx context.Context, key, contentType string, blockSize int) (Writer, error) {
	tm := transfermanager.New(b.c, func(o *transfermanager.Options) {
		o.RequestChecksumCalculation = b.checksum
		o.PartSizeBytes = int64(max(blockSize, s3MinPart))
		o.Concurrency = 1
	})
	in := &transfermanager.UploadObjectInput{Bucket: &b.name, Key: aws.String(b.prefix + key), ContentType: optional(contentType)}
	return startPipe(ctx, func(ctx context.Context, r io.Reader) error {
		in.Body = r
		_, err := tm.UploadObject(ctx, in)
		return s3Err(err)
	}), nil
}

func (b *s3Bucket) Copy(ctx context.Context, dst, src string) error {
	_, err := b.c.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     &b.name,
		Key:        aws.String(b.prefix + dst),
		CopySource: aws.String(url.PathEscape(b.name) + "/" + pathEscape(b.prefix+src)),
	})
	return s3Err(err)
}

// pathEscape escapes each segment of a key.
func pathEscape(key string) string {
	seg := strings.Split(key, "/")
	for i, s := range seg {
		seg[i] = url.PathEscape(s)
	}
	return strings.Join(seg, "/")
}

// Delete deletes a key. S3 answers a missing key with success; so does
// Delete.
func (b *s3Bucket) Delete(ctx context.Context, key string) error {
	_, err := b.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.name, Key: aws.String(b.prefix + key)})
	return s3Err(err)
}
