using System.Text.RegularExpressions;

namespace Consent.Cluster.Tests;

/// <summary>
/// deploy/k8s against the service: the manifests parse, the overlay renders from the base, and what the pods are told
/// (ports, probes, configuration keys, secrets, mounts) is what the service listens on and reads. No cluster runs here:
/// this is what can be checked without one.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Overlay = Path.Combine(Manifests.K8s, "overlays", "example");
    private static readonly string Base = Path.Combine(Manifests.K8s, "base");

    public static TheoryData<string> Renders => new() { "base", "overlays/example" };

    private static Kustomize.Rendered Render(string which) => Kustomize.Build(Path.Combine(Manifests.K8s, which));

    private static Dictionary<string, object?> Container(Kustomize.Rendered rendered) =>
        Manifests.Map(Kustomize.Find(rendered.Resources, "Deployment", "consent"), "spec.template.spec.containers[0]");

    [Fact]
    public void Every_manifest_parses_and_every_resource_names_its_kind()
    {
        var files = Directory.EnumerateFiles(Manifests.K8s, "*.yaml", SearchOption.AllDirectories).ToList();
        files.Count.ShouldBeGreaterThan(8);
        foreach (var file in files)
        {
            var documents = Manifests.Load(file);
            documents.ShouldNotBeEmpty(file);
            if (documents.Single() is not Dictionary<string, object?> map || !map.ContainsKey("kind") || Path.GetFileName(file) == "kustomization.yaml") continue;
            Manifests.Text(map, "apiVersion").ShouldNotBeNullOrWhiteSpace(file);
            Manifests.Text(map, "metadata.name").ShouldNotBeNullOrWhiteSpace(file);
        }
        Render("base").Resources.Select(r => (string)r["kind"]!).Order().ShouldBe(
            ["Deployment", "HorizontalPodAutoscaler", "Ingress", "Job", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"]);
    }

    [Fact]
    public void The_overlay_renders_from_the_base_with_its_image_host_identity_provider_and_secrets()
    {
        var rendered = Render("overlays/example");
        rendered.Images["consent-api"].ShouldBe("registry.example.invalid/consent/consent-api:1.0.0");
        var ingress = Kustomize.Find(rendered.Resources, "Ingress", "consent");
        Manifests.Text(ingress, "spec.rules[0].host").ShouldBe("consent.clinics.example.invalid");
        Manifests.Text(ingress, "spec.tls[0].secretName").ShouldBe("consent-tls");
        var config = rendered.ConfigMaps["consent-config"];
        config["CONSENT_Auth__Mode"].ShouldBe("Oidc");
        config["CONSENT_Auth__Authority"].ShouldStartWith("https://");
        // The merge kept the base's settings.
        config["CONSENT_Signing__KeyDirectory"].ShouldBe("/var/run/consent/signing-keys");
        SecretEnv(Container(rendered)).ShouldContainKey("CONSENT_Auth__DashboardClientSecret");
        SecretEnv(Container(Render("base"))).ShouldNotContainKey("CONSENT_Auth__DashboardClientSecret");
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Probes_and_ports_are_the_ones_the_service_serves(string which)
    {
        var rendered = Render(which);
        var container = Container(rendered);
        var port = Manifests.List(container, "ports").Cast<Dictionary<string, object?>>().Single();
        Manifests.Text(port, "name").ShouldBe("http");
        // ASP.NET listens where ASPNETCORE_HTTP_PORTS says; the image declares the same port.
        Manifests.Text(port, "containerPort").ShouldBe(rendered.ConfigMaps["consent-config"]["ASPNETCORE_HTTP_PORTS"]);
        File.ReadAllText(Path.Combine(Manifests.K8s, "container.targets")).ShouldContain($"<ContainerPort Include=\"{Manifests.Text(port, "containerPort")}\"");

        Manifests.Text(container, "readinessProbe.httpGet.path").ShouldBe("/health/ready");
        Manifests.Text(container, "livenessProbe.httpGet.path").ShouldBe("/health/live");
        Manifests.Text(container, "startupProbe.httpGet.path").ShouldBe("/health/live");
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" }) Manifests.Text(container, $"{probe}.httpGet.port").ShouldBe("http");
        var mapped = Directory.EnumerateFiles(Path.Combine(Manifests.RepoRoot, "src", "Consent.Api"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"Map\w*\(""(/health/\w+)""").Select(m => m.Groups[1].Value)).ToHashSet();
        mapped.ShouldBe(["/health/live", "/health/ready"], ignoreOrder: true);

        var service = Kustomize.Find(rendered.Resources, "Service", "consent");
        var servicePort = Manifests.Map(service, "spec.ports[0]");
        Manifests.Text(servicePort, "targetPort").ShouldBe("http");
        var backend = Manifests.Map(Kustomize.Find(rendered.Resources, "Ingress", "consent"), "spec.rules[0].http.paths[0].backend.service");
        Manifests.Text(backend, "name").ShouldBe("consent");
        Manifests.Text(backend, "port.name").ShouldBe(Manifests.Text(servicePort, "name"));
        var ingressRule = Manifests.Map(Kustomize.Find(rendered.Resources, "NetworkPolicy", "consent"), "spec.ingress[0].ports[0]");
        Manifests.Text(ingressRule, "port").ShouldBe("http");
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Every_configuration_key_given_to_the_pods_is_one_the_service_reads(string which)
    {
        var rendered = Render(which);
        var container = Container(rendered);
        Manifests.Text(container, "envFrom[0].configMapRef.name").ShouldBe("consent-config");
        var names = rendered.ConfigMaps["consent-config"].Keys
            .Concat(Manifests.List(container, "env").Cast<Dictionary<string, object?>>().Select(e => Manifests.Text(e, "name"))).ToList();
        names.ShouldNotBeEmpty();
        foreach (var name in names)
        {
            if (name.StartsWith("ASPNETCORE_", StringComparison.Ordinal))
            {
                name.ShouldBeOneOf("ASPNETCORE_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS");
                continue;
            }
            name.ShouldStartWith("CONSENT_", customMessage: "the service reads its settings from CONSENT_-prefixed variables only");
            var key = name["CONSENT_".Length..].Replace("__", ":", StringComparison.Ordinal);
            ServiceConfiguration.Reads(key).ShouldBeTrue($"{name}: the service reads no {key}");
        }
        // The test's own reading of the source must see what the service is known to read, or it proves nothing.
        ServiceConfiguration.All.ShouldContain("Signing:KeyDirectory");
        ServiceConfiguration.All.ShouldContain("ConnectionStrings:Postgres");
        ServiceConfiguration.All.ShouldContain("Timers:Enabled");
        ServiceConfiguration.Reads("Signing:KeyDirectori").ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Secrets_come_by_reference_and_every_path_a_setting_names_is_mounted_or_in_the_image(string which)
    {
        var rendered = Render(which);
        var container = Container(rendered);
        var secrets = SecretEnv(container);
        secrets["CONSENT_ConnectionStrings__Postgres"].ShouldBe("consent-postgres");
        secrets["CONSENT_Amqp__Uri"].ShouldBe("consent-amqp");
        foreach (var (name, _) in rendered.ConfigMaps["consent-config"])
        {
            name.ShouldNotMatch("(?i)password|secret|ConnectionStrings|Amqp__Uri|LocalSigningKey", $"{name} belongs in a Secret");
        }

        var config = rendered.ConfigMaps["consent-config"];
        config["CONSENT_Signing__CreateIfMissing"].ShouldBe("false");
        var mounts = Manifests.List(container, "volumeMounts").Cast<Dictionary<string, object?>>().ToList();
        var keyMount = mounts.Single(m => Manifests.Text(m, "mountPath") == config["CONSENT_Signing__KeyDirectory"]);
        var volumes = Manifests.List(Kustomize.Find(rendered.Resources, "Deployment", "consent"), "spec.template.spec.volumes").Cast<Dictionary<string, object?>>();
        var keyVolume = volumes.Single(v => Manifests.Text(v, "name") == Manifests.Text(keyMount, "name"));
        Manifests.Text(keyVolume, "secret.secretName").ShouldBe("consent-signing-keys");
        Manifests.Text(keyMount, "readOnly").ShouldBe("true");

        // A read-only root file system: whatever the service writes goes to /tmp, an emptyDir.
        Manifests.Text(container, "securityContext.readOnlyRootFilesystem").ShouldBe("true");
        mounts.ShouldContain(m => Manifests.Text(m, "mountPath") == "/tmp");

        // The workflows are in the image at the path the setting names (container.targets puts them there).
        var targets = File.ReadAllText(Path.Combine(Manifests.K8s, "container.targets"));
        var workingDirectory = Regex.Match(targets, "<ContainerWorkingDirectory>(.*)</ContainerWorkingDirectory>").Groups[1].Value;
        config["CONSENT_Workflows__Path"].ShouldBe($"{workingDirectory}/workflows");
        targets.ShouldContain("LinkBase=\"workflows\"");
        Directory.EnumerateFiles(Path.Combine(Manifests.RepoRoot, "workflows"), "*.yaml", SearchOption.AllDirectories).ShouldNotBeEmpty();
        Manifests.Text(Kustomize.Find(rendered.Resources, "Deployment", "consent"), "spec.template.spec.securityContext.runAsUser")
            .ShouldBe(Regex.Match(targets, "<ContainerUser>(.*)</ContainerUser>").Groups[1].Value);
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Selectors_find_the_pods_and_disruptions_leave_enough_of_them(string which)
    {
        var rendered = Render(which);
        var deployment = Kustomize.Find(rendered.Resources, "Deployment", "consent");
        var podLabels = Manifests.Map(deployment, "spec.template.metadata.labels");
        void Selects(Dictionary<string, object?> selector, string what)
        {
            selector.ShouldNotBeEmpty(what);
            foreach (var (key, value) in selector) podLabels.ShouldContainKeyAndValue(key, value, what);
        }
        Selects(Manifests.Map(deployment, "spec.selector.matchLabels"), "Deployment selector");
        Selects(Manifests.Map(Kustomize.Find(rendered.Resources, "Service", "consent"), "spec.selector"), "Service selector");
        Selects(Manifests.Map(Kustomize.Find(rendered.Resources, "PodDisruptionBudget", "consent"), "spec.selector.matchLabels"), "PodDisruptionBudget");
        Selects(Manifests.Map(Kustomize.Find(rendered.Resources, "NetworkPolicy", "consent"), "spec.podSelector.matchLabels"), "NetworkPolicy");

        var hpa = Kustomize.Find(rendered.Resources, "HorizontalPodAutoscaler", "consent");
        Manifests.Text(hpa, "spec.scaleTargetRef.kind").ShouldBe("Deployment");
        Manifests.Text(hpa, "spec.scaleTargetRef.name").ShouldBe("consent");
        // A drain must be able to take a pod while the autoscaler holds the fewest.
        int.Parse(Manifests.Text(Kustomize.Find(rendered.Resources, "PodDisruptionBudget", "consent"), "spec.minAvailable"), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeLessThan(int.Parse(Manifests.Text(hpa, "spec.minReplicas"), System.Globalization.CultureInfo.InvariantCulture));

        var container = Container(rendered);
        Manifests.Text(container, "resources.requests.cpu").ShouldNotBeNullOrWhiteSpace();
        Manifests.Text(container, "resources.requests.memory").ShouldNotBeNullOrWhiteSpace();
        Manifests.Text(container, "resources.limits.memory").ShouldNotBeNullOrWhiteSpace();
        Manifests.Text(container, "image").ShouldBe("consent-api");
        rendered.Images.ShouldContainKey("consent-api");
    }

    private static Dictionary<string, string> SecretEnv(Dictionary<string, object?> container) =>
        Manifests.List(container, "env").Cast<Dictionary<string, object?>>()
            .Where(e => e.ContainsKey("valueFrom"))
            .ToDictionary(e => Manifests.Text(e, "name"), e => Manifests.Text(e, "valueFrom.secretKeyRef.name"));
}
