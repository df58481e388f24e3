namespace Consent.Workflows.Tests.Support;

/// <summary>A small definition that lints clean; tests break it one rule at a time.</summary>
public static class Minimal
{
    public const string Yaml = """
        id: mini
        version: 1
        locales: [en, es]
        title: { en: A short test, es: Una prueba corta }
        settings:
          countersign: false
          coolingOff: PT1H
          validity: P30D
        steps:
          - id: intro
            type: explain
            elements: [key_information, purpose, investigational, procedures, duration, risks, benefits, alternatives, confidentiality, injury_compensation, contacts, voluntary, withdrawal, costs]
            title: { en: About the test, es: Sobre la prueba }
            body: { en: This is a short test. It is safe to read., es: Esta es una prueba corta. Se puede leer. }
          - id: route
            type: choice
            title: { en: Pick one, es: Elija una }
            body: { en: Pick a way., es: Elija una forma. }
            options:
              - id: a
                label: { en: Way A, es: Forma A }
              - id: b
                label: { en: Way B, es: Forma B }
          - id: risk-a
            type: risk
            when: { step: route, anyOf: [a] }
            title: { en: A risk, es: Un riesgo }
            body: { en: Your arm may hurt., es: Le puede doler el brazo. }
          - id: quiz
            type: quiz
            explanation: intro
            correct: right
            title: { en: A check, es: Una pregunta }
            body: { en: Is this a test?, es: ¿Es una prueba? }
            options:
              - id: right
                label: { en: "Yes", es: "Sí" }
              - id: wrong
                label: { en: "No", es: "No" }
          - id: photos
            type: provision
            title: { en: Photos, es: Fotos }
            body: { en: May we take photos?, es: ¿Podemos tomar fotos? }
          - id: decision
            type: decision
            title: { en: Your decision, es: Su decisión }
            body: { en: Do you agree?, es: ¿Está de acuerdo? }
          - id: signature
            type: signature
            signerRoles: [patient]
            title: { en: Sign, es: Firme }
            statement: { en: I agree., es: Estoy de acuerdo. }
        """;

    public static string With(string find, string replace)
    {
        Yaml.ShouldContain(find);
        return Yaml.Replace(find, replace, StringComparison.Ordinal);
    }
}
