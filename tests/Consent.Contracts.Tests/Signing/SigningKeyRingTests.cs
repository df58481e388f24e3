using System.Security.Cryptography;
using Consent.Api.Signing;
using Consent.Contracts.Signatures;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging.Abstractions;

namespace Consent.Contracts.Tests.Signing;

// The key files' Unix modes are part of what is tested; the service runs on Linux.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SigningKeyRingTests : IDisposable
{
    private static readonly byte[] Message = """{"eventId":"e1"}"""u8.ToArray();
    private readonly KeyDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_first_key_is_created_owner_only_with_a_dated_kid()
    {
        using var ring = _directory.Open(createIfMissing: true);

        ring.ActiveKid.ShouldMatch($"^consent-{DateTime.UtcNow:yyyyMMdd}-[0-9a-f]{{8}}$");
        _directory.FileNames().ShouldBe([ring.ActiveKid + ".private.pem"]);
        File.GetUnixFileMode(Path.Combine(_directory.Path, ring.ActiveKid + ".private.pem"))
            .ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(_directory.Path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.ReadAllText(Path.Combine(_directory.Path, ring.ActiveKid + ".private.pem")).ShouldStartWith("-----BEGIN PRIVATE KEY-----");
    }

    [Fact]
    public void A_restart_signs_with_the_same_key()
    {
        string first;
        using (var ring = _directory.Open()) first = ring.ActiveKid;

        using var again = _directory.Open(createIfMissing: false);

        again.ActiveKid.ShouldBe(first);
        _directory.FileNames().Length.ShouldBe(1);
    }

    [Fact]
    public void Without_a_key_and_without_leave_to_create_one_the_start_fails_saying_what_to_do()
    {
        var error = Should.Throw<InvalidOperationException>(() => _directory.Open(createIfMissing: false));

        error.Message.ShouldContain($"No signing key in {_directory.Path}");
        error.Message.ShouldContain("Signing:CreateIfMissing");
        error.Message.ShouldContain("consent keys rotate");
        Directory.Exists(_directory.Path).ShouldBeFalse();
    }

    [Fact]
    public void A_malformed_key_file_fails_the_start_naming_the_file()
    {
        Directory.CreateDirectory(_directory.Path);
        var path = Path.Combine(_directory.Path, "consent-20261201-00000000.private.pem");
        File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Should.Throw<InvalidOperationException>(() => _directory.Open()).Message.ShouldContain(path);
    }

    [Fact]
    public void A_public_key_where_a_private_one_belongs_fails_the_start()
    {
        Directory.CreateDirectory(_directory.Path);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(_directory.Path, "consent-20261201-00000000.private.pem");
        File.WriteAllText(path, key.ExportSubjectPublicKeyInfoPem());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Should.Throw<InvalidOperationException>(() => _directory.Open()).Message.ShouldContain("'PRIVATE KEY'");
    }

    [Fact]
    public void A_key_on_another_curve_fails_the_start()
    {
        Directory.CreateDirectory(_directory.Path);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var path = Path.Combine(_directory.Path, "consent-20261201-00000000.private.pem");
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Should.Throw<InvalidOperationException>(() => _directory.Open()).Message.ShouldContain("not a P-256 key");
    }

    [Fact]
    public void A_private_key_others_can_read_fails_the_start()
    {
        string kid;
        using (var ring = _directory.Open()) kid = ring.ActiveKid;
        var path = Path.Combine(_directory.Path, kid + ".private.pem");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        Should.Throw<InvalidOperationException>(() => _directory.Open()).Message.ShouldContain($"chmod 600 {path}");
    }

    [Fact]
    public void A_file_that_is_not_named_as_a_key_fails_the_start()
    {
        using (_directory.Open()) { }
        File.WriteAllText(Path.Combine(_directory.Path, "old-key.pem"), "x");

        Should.Throw<InvalidOperationException>(() => _directory.Open()).Message.ShouldContain("'old-key.pem' is not a key file name");
    }

    [Fact]
    public void After_a_rotation_new_signatures_use_the_new_key_and_old_ones_still_verify()
    {
        string oldKid, oldSignature;
        using (var before = _directory.Open())
        {
            oldKid = before.ActiveKid;
            oldSignature = new ServiceSigner(before).Sign(Message, Jws.EventMessageType);
        }

        var newKid = SigningKeyFiles.Rotate(_directory.Path, DateTimeOffset.UtcNow);
        using var after = _directory.Open(createIfMissing: false);
        var keys = ConsentKeys.Parse(after.PublishedJson);
        var newSignature = new ServiceSigner(after).Sign(Message, Jws.EventMessageType);

        after.ActiveKid.ShouldBe(newKid);
        newKid.ShouldNotBe(oldKid);
        _directory.FileNames().ShouldBe(new[] { oldKid + ".public.pem", newKid + ".private.pem" }.Order(StringComparer.Ordinal));
        keys.KeyIds.ShouldBe([oldKid, newKid], ignoreOrder: true);
        Jws.TryVerify(oldSignature, keys, out var payload, out var error).ShouldBeTrue(error);
        payload.ShouldBe(Message);
        Jws.TryVerify(newSignature, keys, out _, out error).ShouldBeTrue(error);
        newSignature.ShouldContain(HeaderWithKid(newKid));
    }

    [Fact]
    public void A_running_service_publishes_a_key_another_instance_rotated_in_but_keeps_signing_with_its_own()
    {
        using var running = SigningKeyRing.Open(_directory.Path, null, createIfMissing: true, NullLogger.Instance, rescanInterval: TimeSpan.Zero);
        var before = running.ActiveKid;

        var rotatedIn = SigningKeyFiles.Rotate(_directory.Path, DateTimeOffset.UtcNow);

        running.PublishedKeys.KeyIds.ShouldBe([before, rotatedIn], ignoreOrder: true);
        running.ActiveKid.ShouldBe(before);
        Jws.TryVerify(new ServiceSigner(running).Sign(Message, "t"), running.PublishedKeys, out _, out var error).ShouldBeTrue(error);
    }

    [Fact]
    public void A_key_file_broken_under_a_running_service_leaves_its_published_keys_as_they_were()
    {
        using var running = SigningKeyRing.Open(_directory.Path, null, createIfMissing: true, NullLogger.Instance, rescanInterval: TimeSpan.Zero);

        File.WriteAllText(Path.Combine(_directory.Path, "consent-20261201-ffffffff.public.pem"), "not a key");

        running.PublishedKeys.KeyIds.ShouldBe([running.ActiveKid]);
    }

    [Fact]
    public void The_newest_private_key_signs_unless_ActiveKid_names_another()
    {
        Directory.CreateDirectory(_directory.Path);
        var older = WriteKey("consent-20250101-aaaaaaaa");
        var newer = WriteKey("consent-20260101-00000000");

        using (var ring = _directory.Open(createIfMissing: false)) ring.ActiveKid.ShouldBe(newer);
        using (var pinned = _directory.Open(createIfMissing: false, activeKid: older))
        {
            pinned.ActiveKid.ShouldBe(older);
            pinned.PublishedKeys.KeyIds.ShouldBe([older, newer], ignoreOrder: true);
        }
        Should.Throw<InvalidOperationException>(() => _directory.Open(activeKid: "consent-20260101-12345678"))
            .Message.ShouldContain("Signing:ActiveKid is 'consent-20260101-12345678'");
    }

    [Fact]
    public void Hosts_starting_together_on_an_empty_directory_create_one_key_between_them()
    {
        const int hosts = 6;
        for (var round = 0; round < 10; round++)
        {
            var directory = Path.Combine(_directory.Root, $"round-{round}");
            using var start = new Barrier(hosts);
            var threads = Enumerable.Range(0, hosts).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                SigningKeyRing.Open(directory, activeKid: null, createIfMissing: true, NullLogger.Instance).Dispose();
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Directory.GetFiles(directory, "*.pem").Length.ShouldBe(1, $"round {round}");
        }
    }

    [Fact]
    public void Unconfigured_the_key_directory_is_the_checkouts_data_directory_and_a_key_may_be_created_there()
    {
        File.WriteAllText(Path.Combine(_directory.Root, "Consent.sln"), "");
        var contentRoot = Directory.CreateDirectory(Path.Combine(_directory.Root, "src", "Consent.Api")).FullName;

        var (directory, create) = SigningSetup.KeyDirectory(new SigningSettings(), new Host("Production", contentRoot));

        directory.ShouldBe(Path.Combine(_directory.Root, ".data", "signing-keys"));
        create.ShouldBeTrue();
    }

    [Fact]
    public void Unconfigured_outside_a_checkout_the_start_fails_asking_for_the_key_directory()
    {
        var contentRoot = Directory.CreateDirectory(Path.Combine(_directory.Root, "app")).FullName;

        Should.Throw<InvalidOperationException>(() => SigningSetup.KeyDirectory(new SigningSettings(), new Host("Production", contentRoot)))
            .Message.ShouldContain("Signing:KeyDirectory is not set");
    }

    [Theory]
    [InlineData("Production", null, false)]
    [InlineData("Development", null, true)]
    [InlineData("Production", true, true)]
    [InlineData("Development", false, false)]
    public void A_configured_directory_lets_the_service_create_a_key_in_Development_or_when_told(string environment, bool? configured, bool expected)
    {
        var (directory, create) = SigningSetup.KeyDirectory(
            new SigningSettings { KeyDirectory = "keys", CreateIfMissing = configured }, new Host(environment, _directory.Root));

        directory.ShouldBe(Path.Combine(_directory.Root, "keys"));
        create.ShouldBe(expected);
    }

    private string WriteKey(string kid)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(_directory.Path, kid + SigningKeyFiles.PrivateSuffix);
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return kid;
    }

    private static string HeaderWithKid(string kid) =>
        System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes($$"""{"alg":"ES256","kid":"{{kid}}","typ":"consent-event+jws"}"""));

    private sealed class Host(string environmentName, string contentRoot) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = environmentName;
        public string ApplicationName { get; set; } = "Consent.Api";
        public string ContentRootPath { get; set; } = contentRoot;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
