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
          quizAttempts: 2
        disclosure:
          kind: standard
        steps:
          - id: intro
            type: explain
            elements: [key_information]
            title: { en: About the test, es: Sobre la prueba }
            body:
              en: |
                A rare risk is a serious infection.
                This is a short test. It is safe to read.
              es: |
                Un riesgo raro es una infección grave.
                Esta es una prueba corta. Se puede leer.
          - id: about
            type: explain
            elements: [purpose, investigational, procedures, duration, risks, benefits, alternatives, confidentiality, injury_compensation, contacts, voluntary, withdrawal, costs]
            title: { en: What happens, es: Qué pasa }
            body:
              en: |
                This test checks your blood for a common problem. It is a standard test, not an experiment.
                A nurse puts a needle in your arm and takes a little blood. It takes about 10 minutes.
                Your arm may hurt or bruise. The results may help your doctor, or they may not help.
                You can choose a different test instead. We keep your records private.
                If you are hurt by the test, we give you care and pay for it.
                Call us at {clinic.contacts.main} with questions.
                It is your choice. You can say no and keep your usual care. You can stop at any time.
                The test costs you nothing.
              es: |
                Esta prueba revisa su sangre para buscar un problema común. Es una prueba de rutina, no un experimento.
                Una enfermera pone una aguja en su brazo y saca un poco de sangre. Lleva unos 10 minutos.
                Le puede doler el brazo o salir un moretón. Los resultados pueden ayudar a su médico, o puede que no ayuden.
                Puede elegir otra prueba en su lugar. Sus datos son privados.
                Si la prueba le causa un daño, le damos atención y la pagamos.
                Llame al {clinic.contacts.main} si tiene preguntas.
                Es su decisión. Puede decir que no y seguir con su atención de siempre. Puede parar cuando quiera.
                La prueba no le cuesta nada.
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
              - id: game
                label: { en: It is a game, es: Es un juego }
              - id: unsure
                label: { en: I do not know, es: No lo sé }
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
