//! How a consumer of `waldur-course-accounts` tests their own code without a Waldur: start the
//! stand-in, point the client at it, act, and check both the results and what reached the server.

use futures::TryStreamExt;
use waldur_course_accounts::{Client, CourseAccountState, Filter, NewCourseAccount, Token};
use waldur_course_accounts_testkit::standin::seed;
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

/// The consumer's own code under test: closes every Erred account of a project, returns how many.
async fn close_erred(client: &Client, project: uuid::Uuid) -> Result<usize, waldur_course_accounts::Error> {
    let erred: Vec<_> =
        client.list(Filter::new().project(project).state(CourseAccountState::Erred)).try_collect().await?;
    for account in &erred {
        client.delete(account.uuid).await?;
    }
    Ok(erred.len())
}

#[tokio::test]
async fn a_consumer_tests_its_own_code_against_the_standin() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 40)).await.unwrap();
    let client = Client::new(&waldur.base_url(), Token::new(waldur.token())).unwrap();
    let project = seed::course_project();
    let erred_before = client.count(&Filter::new().project(project).state(CourseAccountState::Erred)).await.unwrap();
    assert!(erred_before > 0, "the seeded data has Erred accounts");

    assert_eq!(close_erred(&client, project).await.unwrap() as u64, erred_before);

    // The server's state changed, and the request log shows exactly what was sent.
    assert_eq!(client.count(&Filter::new().project(project).state(CourseAccountState::Erred)).await.unwrap(), 0);
    let deletes = waldur.requests().iter().filter(|r| r.method == "DELETE").count();
    assert_eq!(deletes as u64, erred_before);
    assert!(waldur.requests().iter().all(|r| r.status < 500));
}

#[tokio::test]
async fn the_standin_answers_as_waldur_does_and_its_data_can_be_arranged() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 3)).await.unwrap();
    let client = Client::new(&waldur.base_url(), Token::new(waldur.token())).unwrap();
    let created = client
        .create(&NewCourseAccount {
            project: seed::course_project(),
            email: Some("new.student@example.edu".into()),
            description: None,
        })
        .await
        .unwrap();
    // Arrange a state the test needs directly in the server's data.
    waldur.with_state(|w| {
        let account = w.accounts.iter_mut().find(|a| a.uuid == created.uuid).unwrap();
        account.state = waldur_course_accounts_testkit::standin::State::Closed;
    });
    let refused = client.delete(created.uuid).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(409), "{refused}");
    let wrong_token = Client::new(&waldur.base_url(), Token::new("wrong")).unwrap();
    assert_eq!(wrong_token.get(created.uuid).await.unwrap_err().status().map(|s| s.as_u16()), Some(401));
}
